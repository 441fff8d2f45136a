import { PkiError } from '../errors';

/** One DER element located in a buffer; offsets only, nothing is copied. */
export interface DerElement {
  /** The identifier octet. */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/** Deepest nesting the reader follows; DER from the wild never comes near it. */
const MAX_DEPTH = 64;

/**
 * A strict, zero-copy DER reader over one buffer. It accepts definite, minimal lengths and
 * low tag numbers only, and checks every element lies inside its parent.
 */
export class DerReader {
  /**
   * A reader that lives as long as the class. V8 keeps an object shape only while some object has it,
   * and a full collection that finds a shape unused also discards the optimized code built for it.
   * Readers are short-lived, so without this one every major collection between two parses would send
   * the whole parser back to the interpreter.
   */
  static readonly shapeKeeper: DerReader = new DerReader(new Uint8Array(0));

  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  private readonly depth: number;
  /**
   * Where the element {@link next} read last begins (its identifier octet) and where its content
   * begins; it ends at {@link pos}.
   */
  lastStart = 0;
  lastContent = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length, depth = 0) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.depth = depth;
  }

  /** Whether every element has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next element's tag, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  /**
   * Reads the next element (with `tag`, it must carry that tag) and returns its tag; its bounds are left
   * in {@link lastStart}, {@link lastContent} and {@link pos}. The readers below build on it; parsers on
   * hot paths use it directly, as it allocates nothing.
   */
  next(tag: number | undefined, what: string): number {
    const bytes = this.bytes;
    const start = this.pos;
    if (start >= this.end) throw derError(what, start, 'missing');
    const t = bytes[start]!;
    if (tag !== undefined && t !== tag) {
      throw derError(what, start, `tag 0x${t.toString(16)} where 0x${tag.toString(16)} was expected`);
    }
    if ((t & 0x1f) === 0x1f) throw derError(what, start, 'high tag numbers are not supported');
    let p = start + 1;
    if (p >= this.end) throw derError(what, start, 'truncated header');
    let len = bytes[p++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw derError(what, start, 'indefinite length is not DER');
      if (n > 4) throw derError(what, start, 'length too large');
      if (p + n > this.end) throw derError(what, start, 'truncated length');
      if (bytes[p] === 0) throw derError(what, start, 'non-minimal length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + bytes[p++]!;
      if (len < 0x80) throw derError(what, start, 'non-minimal length');
    }
    const end = p + len;
    if (end > this.end) throw derError(what, start, `length ${len} runs past the end of its container`);
    this.lastStart = start;
    this.lastContent = p;
    this.pos = end;
    return t;
  }

  /** Reads the next element; with `tag`, it must carry that tag. */
  read(tag: number | undefined, what: string): DerElement {
    const t = this.next(tag, what);
    return { tag: t, start: this.lastStart, contentStart: this.lastContent, end: this.pos };
  }

  /** Reads the next element only when it carries `tag`. */
  readOptional(tag: number, what: string): DerElement | undefined {
    return this.peekTag() === tag ? this.read(tag, what) : undefined;
  }

  /** Reads an element with `tag` and returns its content octets (a view). */
  readContent(tag: number, what: string): Uint8Array {
    this.next(tag, what);
    return this.bytes.subarray(this.lastContent, this.pos);
  }

  /** A reader over the content of a constructed element. */
  enter(el: DerElement, what: string): DerReader {
    return this.child(el.tag, el.start, el.contentStart, el.end, what);
  }

  /** Reads an element with `tag` and returns a reader over its content. */
  enterNext(tag: number, what: string): DerReader {
    this.next(tag, what);
    return this.enterLast(what);
  }

  /** A reader over the content of the element {@link next} read last, which must be constructed. */
  enterLast(what: string): DerReader {
    return this.child(this.bytes[this.lastStart]!, this.lastStart, this.lastContent, this.pos, what);
  }

  private child(tag: number, start: number, contentStart: number, end: number, what: string): DerReader {
    if ((tag & 0x20) === 0) throw derError(what, start, 'expected a constructed element');
    if (this.depth >= MAX_DEPTH) throw derError(what, start, 'nested too deeply');
    return new DerReader(this.bytes, contentStart, end, this.depth + 1);
  }

  /** The content octets of `el` (a view, not a copy). */
  content(el: DerElement): Uint8Array {
    return this.bytes.subarray(el.contentStart, el.end);
  }

  /** The whole encoding of `el`, header included (a view). */
  raw(el: DerElement): Uint8Array {
    return this.bytes.subarray(el.start, el.end);
  }

  /** Throws unless every element has been read. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw derError(what, this.pos, 'unexpected trailing data');
  }
}

/** An `ERR_DER` error naming the structure and the offset. */
export function derError(what: string, offset: number, problem: string): PkiError {
  return new PkiError('ERR_DER', `${what}: ${problem} (at byte ${offset})`);
}

/**
 * Reads `bytes` as exactly one DER element with `tag`, refusing trailing bytes, and returns a reader
 * over its content.
 */
export function readTopLevel(bytes: Uint8Array, tag: number, what: string): DerReader {
  if (!(bytes instanceof Uint8Array))
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  const outer = new DerReader(bytes);
  outer.next(tag, what);
  if (!outer.done) {
    throw new PkiError(
      'ERR_TRAILING_DATA',
      `${what}: ${bytes.length - outer.pos} trailing bytes after the DER value`,
    );
  }
  return outer.enterLast(what);
}
