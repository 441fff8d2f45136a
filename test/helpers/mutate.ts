/**
 * Structure-aware mutations of DER (and of text) for fuzzing the parsers with fast-check. A mutation is
 * plain data, so fast-check can generate, print and shrink it; {@link applyMutations} replays it.
 */
import fc from 'fast-check';
import { concat } from '../../src/der';
import { PkiError } from '../../src/errors';

/** Largest input a mutation may produce: keeps every run bounded. */
export const MAX_MUTANT_SIZE = 96 * 1024;

/** A length field rewritten in one of the ways DER forbids (or a plausible but wrong value). */
export type LengthForm =
  | 'indefinite'
  | 'huge'
  | 'five-octets'
  | 'non-minimal'
  | 'plus-one'
  | 'minus-one'
  | 'zero'
  | 'max-short';

/** An edit of the DER tree; lengths are re-encoded correctly afterwards. */
export type TreeOp =
  | 'duplicate'
  | 'remove'
  | 'swap'
  | 'retag'
  | 'replace-content'
  | 'truncate-content'
  | 'nest'
  | 'insert-child'
  | 'edge-integer'
  | 'edge-time'
  | 'edge-string';

/** One byte- or structure-level mutation; positions are taken modulo the input length. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'length'; readonly header: number; readonly form: LengthForm }
  | { readonly kind: 'wrap'; readonly depth: number; readonly indefinite: boolean }
  | {
      readonly kind: 'tree';
      readonly node: number;
      readonly op: TreeOp;
      readonly tag: number;
      readonly bytes: Uint8Array;
      readonly pick: number;
    };

/** A parsed TLV; `children` is set for constructed values and for OCTET/BIT STRINGs that wrap DER. */
export interface DerNode {
  tag: number;
  content: Uint8Array;
  /** Leading content octets kept before encapsulated children (a BIT STRING's unused-bits octet). */
  prefix: Uint8Array;
  children: DerNode[] | undefined;
}

/** Definite-length header bytes for `tag` and `length`, minimal form. */
export function header(tag: number, length: number): number[] {
  if (length < 0x80) return [tag, length];
  const out: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) out.unshift(l & 0xff);
  return [tag, 0x80 | out.length, ...out];
}

/** One TLV with a minimal definite length. */
export function tlvBytes(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const head = header(tag, len);
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `depth` SEQUENCEs nested inside each other around `inner`, built in one pass (no quadratic copying). */
export function nestedSequences(depth: number, inner: Uint8Array = new Uint8Array(0)): Uint8Array {
  const heads: number[][] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const h = header(0x30, len);
    heads.push(h);
    len += h.length;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = heads.length - 1; i >= 0; i--) {
    out.set(heads[i]!, o);
    o += heads[i]!.length;
  }
  out.set(inner, o);
  return out;
}

/** Where a TLV's parts lie in its bytes. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly lengthAt: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads one TLV at `pos` (definite lengths only, any length form); undefined when it does not fit. */
export function readTlv(bytes: Uint8Array, pos: number, end: number): Tlv | undefined {
  if (pos + 2 > end) return undefined;
  const tag = bytes[pos]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let p = pos + 1;
  let len = bytes[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > end) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[p++]!;
  }
  if (p + len > end) return undefined;
  return { tag, start: pos, lengthAt: pos + 1, contentStart: p, end: p + len };
}

function readAll(bytes: Uint8Array, start: number, end: number): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let pos = start; pos < end; ) {
    const t = readTlv(bytes, pos, end);
    if (!t) return undefined;
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Every TLV header offset in `bytes`, walking into constructed values and encapsulated DER. */
export function headerOffsets(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  const walk = (start: number, end: number, depth: number) => {
    const all = readAll(bytes, start, end);
    if (!all || depth > 32) return;
    for (const t of all) {
      out.push(t);
      if (t.tag & 0x20) walk(t.contentStart, t.end, depth + 1);
      else if (t.tag === 0x04 && t.end > t.contentStart) walk(t.contentStart, t.end, depth + 1);
      else if (t.tag === 0x03 && t.end > t.contentStart + 1 && bytes[t.contentStart] === 0)
        walk(t.contentStart + 1, t.end, depth + 1);
    }
  };
  walk(0, bytes.length, 0);
  return out;
}

/** Parses `bytes` into a forest of nodes; undefined when it is not a sequence of definite TLVs. */
export function parseTree(bytes: Uint8Array): DerNode[] | undefined {
  const build = (start: number, end: number, depth: number): DerNode[] | undefined => {
    const all = readAll(bytes, start, end);
    if (!all) return undefined;
    return all.map((t) => {
      const content = bytes.slice(t.contentStart, t.end);
      let prefix = new Uint8Array(0);
      let children: DerNode[] | undefined;
      if (depth < 32) {
        if (t.tag & 0x20) children = build(t.contentStart, t.end, depth + 1);
        else if (t.tag === 0x04 && content.length > 1 && content[0] === 0x30)
          children = build(t.contentStart, t.end, depth + 1);
        else if (t.tag === 0x03 && content.length > 2 && content[0] === 0 && content[1] === 0x30) {
          children = build(t.contentStart + 1, t.end, depth + 1);
          if (children) prefix = new Uint8Array([0]);
        }
      }
      return { tag: t.tag, content, prefix, children };
    });
  };
  return build(0, bytes.length, 0);
}

/** DER of a forest, every length recomputed. */
export function encodeTree(nodes: readonly DerNode[]): Uint8Array {
  const parts = nodes.map((n) =>
    n.children ? tlvBytes(n.tag, n.prefix, encodeTree(n.children)) : tlvBytes(n.tag, n.content),
  );
  return concat(parts);
}

function cloneNode(n: DerNode): DerNode {
  return {
    tag: n.tag,
    content: n.content,
    prefix: n.prefix,
    children: n.children?.map(cloneNode),
  };
}

interface Located {
  readonly node: DerNode;
  readonly siblings: DerNode[];
  readonly index: number;
}

function flatten(roots: DerNode[]): Located[] {
  const out: Located[] = [];
  const walk = (list: DerNode[]) => {
    list.forEach((node, index) => {
      out.push({ node, siblings: list, index });
      if (node.children) walk(node.children);
    });
  };
  walk(roots);
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);

const EDGE_INTEGERS: readonly Uint8Array[] = [
  new Uint8Array(0),
  new Uint8Array([0]),
  new Uint8Array([0, 0]),
  new Uint8Array([0, 0x7f]),
  new Uint8Array([0xff]),
  new Uint8Array([0xff, 0x80]),
  new Uint8Array([0x80]),
  new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff]),
  new Uint8Array(21).fill(0x7f),
  new Uint8Array(33).fill(0xff),
  Uint8Array.of(0, ...new Uint8Array(32).fill(0xff)),
];

const EDGE_TIMES: readonly Uint8Array[] = [
  ascii('000000000000Z'),
  ascii('991231235960Z'),
  ascii('500229000000Z'),
  ascii('4912312359590'),
  ascii('49123123595Z'),
  ascii('00000101000000Z'),
  ascii('99991231235959Z'),
  ascii('20240230000000Z'),
  ascii('2024010100000Z'),
  ascii('20240101000000+0000'),
  ascii('2024010100000.Z'),
  new Uint8Array(15).fill(0xff),
];

const EDGE_STRINGS: readonly Uint8Array[] = [
  new Uint8Array([0xc3, 0x28]),
  new Uint8Array([0xed, 0xa0, 0x80]),
  new Uint8Array([0xf4, 0x90, 0x80, 0x80]),
  new Uint8Array([0x00]),
  new Uint8Array([0x80, 0xff]),
  new Uint8Array([0xd8, 0x00, 0x00]),
  new Uint8Array([0x00, 0x11, 0x00, 0x00]),
  new Uint8Array(0),
  ascii('*.'),
  ascii('a'.repeat(300)),
];

function treeMutation(bytes: Uint8Array, m: Extract<Mutation, { kind: 'tree' }>): Uint8Array {
  const roots = parseTree(bytes);
  if (!roots || roots.length === 0) return bytes;
  const all = flatten(roots);
  const { node, siblings, index } = all[m.node % all.length]!;
  switch (m.op) {
    case 'duplicate':
      siblings.splice(index, 0, cloneNode(node));
      break;
    case 'remove':
      siblings.splice(index, 1);
      break;
    case 'swap': {
      const j = (index + 1) % siblings.length;
      [siblings[index], siblings[j]] = [siblings[j]!, siblings[index]!];
      break;
    }
    case 'retag':
      node.tag = m.tag;
      break;
    case 'replace-content':
      node.children = undefined;
      node.content = m.bytes;
      break;
    case 'truncate-content':
      if (node.children && node.children.length > 0) node.children.pop();
      else node.content = node.content.subarray(0, m.pick % (node.content.length + 1));
      break;
    case 'nest': {
      let inner = cloneNode(node);
      for (let i = 0; i < 1 + (m.pick % 64); i++) {
        inner = { tag: 0x30, content: new Uint8Array(0), prefix: new Uint8Array(0), children: [inner] };
      }
      siblings[index] = inner;
      break;
    }
    case 'insert-child': {
      const child: DerNode = { tag: m.tag, content: m.bytes, prefix: new Uint8Array(0), children: undefined };
      if (node.children) node.children.splice(m.pick % (node.children.length + 1), 0, child);
      else siblings.splice(index + 1, 0, child);
      break;
    }
    case 'edge-integer':
      node.children = undefined;
      node.content = EDGE_INTEGERS[m.pick % EDGE_INTEGERS.length]!;
      break;
    case 'edge-time':
      node.children = undefined;
      node.content = EDGE_TIMES[m.pick % EDGE_TIMES.length]!;
      break;
    case 'edge-string':
      node.children = undefined;
      node.content = EDGE_STRINGS[m.pick % EDGE_STRINGS.length]!;
      break;
  }
  return encodeTree(roots);
}

function lengthBytes(form: LengthForm, original: number): number[] {
  switch (form) {
    case 'indefinite':
      return [0x80];
    case 'huge':
      return [0x84, 0xff, 0xff, 0xff, 0xff];
    case 'five-octets':
      return [0x85, 0x00, 0x00, 0x00, 0x00, 0x10];
    case 'non-minimal':
      return original < 0x100 ? [0x81, original] : [0x83, 0, (original >> 8) & 0xff, original & 0xff];
    case 'plus-one':
      return header(0, original + 1).slice(1);
    case 'minus-one':
      return header(0, Math.max(0, original - 1)).slice(1);
    case 'zero':
      return [0];
    case 'max-short':
      return [0x7f];
  }
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Applies one mutation; the result never exceeds {@link MAX_MUTANT_SIZE}. */
export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  let out: Uint8Array;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      out = bytes.slice();
      out[m.at % n]! ^= 1 << (m.bit & 7);
      break;
    }
    case 'set': {
      if (n === 0) return bytes;
      out = bytes.slice();
      out[m.at % n] = m.value & 0xff;
      break;
    }
    case 'truncate':
      out = bytes.slice(0, n === 0 ? 0 : m.at % n);
      break;
    case 'delete': {
      if (n === 0) return bytes;
      const at = m.at % n;
      out = splice(bytes, at, Math.min(m.count, n - at), []);
      break;
    }
    case 'insert':
      out = splice(bytes, n === 0 ? 0 : m.at % (n + 1), 0, m.bytes);
      break;
    case 'append':
      out = concat([bytes, m.bytes]);
      break;
    case 'length': {
      const heads = headerOffsets(bytes);
      if (heads.length === 0) return bytes;
      const t = heads[m.header % heads.length]!;
      const oldLen = t.contentStart - t.lengthAt;
      out = splice(bytes, t.lengthAt, oldLen, lengthBytes(m.form, t.end - t.contentStart));
      break;
    }
    case 'wrap':
      out = m.indefinite
        ? concat([new Uint8Array(2 * m.depth).fill(0x80).map((_, i) => (i % 2 ? 0x80 : 0x30)), bytes])
        : nestedSequences(m.depth, bytes);
      break;
    case 'tree':
      out = treeMutation(bytes, m);
      break;
  }
  return out.length > MAX_MUTANT_SIZE ? out.subarray(0, MAX_MUTANT_SIZE) : out;
}

/** Applies mutations in order. */
export function applyMutations(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = bytes;
  for (const m of ms) out = applyMutation(out, m);
  return out;
}

const TAGS = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x1f, 0x30, 0x31, 0x80, 0x81,
  0x82, 0x86, 0x87, 0xa0, 0xa1, 0xa3, 0xa4, 0xff,
];

const smallBytes = fc.uint8Array({ minLength: 0, maxLength: 24 });

/** An arbitrary {@link Mutation}, weighted towards the edits that reach deep into the parsers. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: smallBytes }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: smallBytes }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      header: fc.nat(),
      form: fc.constantFrom<LengthForm>(
        'indefinite',
        'huge',
        'five-octets',
        'non-minimal',
        'plus-one',
        'minus-one',
        'zero',
        'max-short',
      ),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('wrap' as const),
      depth: fc.integer({ min: 1, max: 2000 }),
      indefinite: fc.boolean(),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('tree' as const),
      node: fc.nat(),
      op: fc.constantFrom<TreeOp>(
        'duplicate',
        'remove',
        'swap',
        'retag',
        'replace-content',
        'truncate-content',
        'nest',
        'insert-child',
        'edge-integer',
        'edge-time',
        'edge-string',
      ),
      tag: fc.constantFrom(...TAGS),
      bytes: smallBytes,
      pick: fc.nat(),
    }),
    weight: 6,
  },
);

/** One to four mutations. */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

/** A mutation of text: the same edits, on characters. */
export type TextMutation =
  | { readonly kind: 'replace'; readonly at: number; readonly char: string }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly count: number };

const INTERESTING_TEXT = [
  '-----BEGIN ',
  '-----END ',
  '-----',
  'CERTIFICATE',
  'PRIVATE KEY',
  ':',
  '=',
  '==',
  '\n',
  '\r\n',
  ' \t',
  '/',
  '//',
  '%2F',
  '.',
  '..',
  'spiffe://',
  'SPIFFE://',
  '@',
  ':8080',
  '\u0000',
  '\u00e9',
  '\ud800',
  '\u{1F600}',
];

const textPiece = fc.oneof(fc.constantFrom(...INTERESTING_TEXT), fc.string({ maxLength: 6, unit: 'binary' }));

/** An arbitrary {@link TextMutation}. */
export const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: textPiece }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: textPiece }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 80 }),
  }),
);

/** Applies text mutations in order. */
export function applyTextMutations(text: string, ms: readonly TextMutation[]): string {
  let s = text;
  for (const m of ms) {
    const n = s.length;
    const at = n === 0 ? 0 : m.at % (n + 1);
    switch (m.kind) {
      case 'replace':
        s = s.slice(0, at) + m.char + s.slice(at + 1);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.count);
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'duplicate':
        s = s.slice(0, at) + s.slice(at, at + m.count) + s.slice(at);
        break;
    }
  }
  return s;
}

/** One to four text mutations. */
export const textMutationsArb: fc.Arbitrary<TextMutation[]> = fc.array(textMutationArb, {
  minLength: 1,
  maxLength: 4,
});

/** What a hostile-input call did: returned, or threw a PkiError with a code; anything else is a failure. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly code: string };

/**
 * Runs `fn` and classifies the result. A thrown value that is not a {@link PkiError} is rethrown so the
 * property fails with the original stack.
 */
export function outcome(fn: () => unknown): Outcome {
  try {
    fn();
    return { ok: true };
  } catch (e) {
    if (e instanceof PkiError) return { ok: false, code: e.code };
    throw e;
  }
}

/** {@link outcome} for async calls. */
export async function outcomeAsync(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    if (e instanceof PkiError) return { ok: false, code: e.code };
    throw e;
  }
}

/** A 32-bit seeded generator (mulberry32) for deterministic bytes outside fast-check. */
export function seededBytes(seed: number): (length: number) => Uint8Array {
  let a = seed >>> 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
    return out;
  };
}
