import { sameBytes } from '../der';
import { type DurationInput, durationMs } from '../duration';
import { isPkiError, PkiError } from '../errors';
import { requireTrustDomainName } from '../spiffe/trust-domain';
import { type CertificateInput, createTrustStore, type TrustBundleInput, type TrustStore } from './store';

/**
 * Most trust domains a {@link TrustBundleSet} holds (each bundle holds at most `MAX_BUNDLE_CERTIFICATES`
 * anchors); more fail with `ERR_INPUT_TOO_LARGE`.
 *
 * @example
 * ```ts
 * if (federated.size > MAX_TRUST_DOMAINS) throw new Error('too many federated trust domains');
 * ```
 */
export const MAX_TRUST_DOMAINS = 256;

/**
 * One trust domain's entry in a {@link TrustBundleSet}: the trust domain, its X.509 trust anchors and,
 * when its bundle came with them (a SPIFFE bundle document), its `spiffe_sequence` and refresh hint.
 * Frozen.
 *
 * @example
 * ```ts
 * const entry: TrustDomainBundle | undefined = bundles.get('example.org');
 * entry?.store.anchors.length; // 1
 * entry?.sequence; // 12
 * entry?.refreshHint; // 300000 (five minutes)
 * ```
 */
export interface TrustDomainBundle {
  /** The trust domain name, e.g. `example.org`. */
  readonly trustDomain: string;
  /** The trust domain's X.509 authorities: the only anchors its SVIDs verify against. */
  readonly store: TrustStore;
  /** The bundle's `spiffe_sequence`, when it has one: a whole number from 0 to 2^53 - 1. */
  readonly sequence: number | undefined;
  /** The bundle's refresh hint in whole milliseconds, when it has one. */
  readonly refreshHint: number | undefined;
}

/**
 * One trust domain's bundle with its SPIFFE metadata, as a {@link TrustBundleSet} takes it beside the plain
 * {@link TrustBundleInput} forms: a parsed SPIFFE bundle (`parseSpiffeBundle`) is one. `x509Authorities`
 * may be empty: the trust domain then trusts nothing (it is not among {@link TrustBundleSet.trustDomains},
 * its SVIDs fail with `TRUST_DOMAIN_UNKNOWN`), but its sequence is remembered for
 * {@link TrustBundleSet.update}.
 *
 * @example
 * ```ts
 * const update: SequencedBundle = {
 *   trustDomain: 'example.org',
 *   x509Authorities: [currentAnchorPem, nextAnchorPem],
 *   sequence: 13,
 *   refreshHint: '5m',
 * };
 * ```
 */
export interface SequencedBundle {
  /** The trust domain; when given in a set's input, it must be the key the bundle is filed under. */
  readonly trustDomain?: string | undefined;
  /** The X.509 authorities (each one certificate: parsed, DER or PEM). */
  readonly x509Authorities: readonly CertificateInput[];
  /** `spiffe_sequence`: a whole number from 0 to 2^53 - 1. */
  readonly sequence?: number | undefined;
  /** The refresh hint: whole milliseconds or Go duration text. */
  readonly refreshHint?: DurationInput | undefined;
}

/**
 * Bundles keyed by trust domain: a {@link TrustBundleSet}, a `Map`, or a plain object
 * `{ [trustDomain]: bundle }`, each bundle in any {@link TrustBundleInput} form. Keys are bare trust domain
 * names (`example.org`, not `spiffe://example.org`).
 *
 * @example
 * ```ts
 * const input: TrustBundleSetInput = {
 *   'example.org': readFileSync('example.org.crt', 'utf8'),
 *   'identity.linkerd.cluster.local': readFileSync('ca-bundle.crt', 'utf8'),
 * };
 * ```
 */
export type TrustBundleSetInput =
  | TrustBundleSet
  | ReadonlyMap<string, TrustBundleInput | SequencedBundle>
  | { readonly [trustDomain: string]: TrustBundleInput | SequencedBundle };

/**
 * Why {@link TrustBundleSet.update} refused a bundle: `SEQUENCE_STALE` (its `spiffe_sequence` is older than
 * the one held), `SEQUENCE_CONFLICT` (the same sequence with other X.509 authorities or another refresh
 * hint) or `SEQUENCE_MISSING` (it has no sequence while the bundle held has one, so it cannot be ordered
 * after it).
 *
 * @example
 * ```ts
 * const code: BundleUpdateRefusal = 'SEQUENCE_STALE';
 * ```
 */
export type BundleUpdateRefusal = 'SEQUENCE_STALE' | 'SEQUENCE_CONFLICT' | 'SEQUENCE_MISSING';

/**
 * The outcome of {@link TrustBundleSet.update}: the set to use from now on (`changed` is false when the
 * bundle was the one already held), or a refusal with the set unchanged.
 *
 * @example
 * ```ts
 * const result: BundleUpdateResult = bundles.update(fetched);
 * if (!result.ok) console.warn(result.code, result.reason);
 * bundles = result.bundles;
 * ```
 */
export type BundleUpdateResult =
  | { readonly ok: true; readonly changed: boolean; readonly bundles: TrustBundleSet }
  | {
      readonly ok: false;
      readonly code: BundleUpdateRefusal;
      readonly reason: string;
      readonly bundles: TrustBundleSet;
    };

/** What a set holds for a trust domain whose bundle has no X.509 authority: only its metadata. */
interface EmptyDomain {
  readonly sequence: number | undefined;
  readonly refreshHint: number | undefined;
}

/** The parts of a set under construction, handed to the constructor by the set's own methods. */
interface SetParts {
  readonly byDomain: Map<string, TrustDomainBundle>;
  readonly empty: Map<string, EmptyDomain>;
}

/** Set only while a set's own method constructs a new set from parts it already checked. */
let building: SetParts | undefined;

/** A copy of a set's parts (its private fields, reached from this module only). */
let partsOf: (set: TrustBundleSet) => SetParts;

/**
 * X.509 bundles keyed by SPIFFE trust domain (go-spiffe's `x509bundle.Set`): each trust domain's anchors
 * are held as their own {@link TrustStore}, so an X509-SVID verifies only against the anchors of its own
 * trust domain, never against another domain's, even when both are in the set. Immutable: {@link with} and
 * {@link without} return new sets (the other domains' stores are shared, not parsed again). At most
 * {@link MAX_TRUST_DOMAINS} domains; an empty set is allowed and trusts nothing.
 *
 * A bundle is given in any {@link TrustBundleInput} form, or as a {@link SequencedBundle} (a parsed SPIFFE
 * bundle document is one) whose `spiffe_sequence` and refresh hint the set keeps: {@link update} then
 * takes a newer bundle for a trust domain and refuses an older one.
 *
 * Throws `ERR_TRUST_DOMAIN_INVALID` for a key that is not a bare trust domain name, the bundle's own errors
 * (`ERR_BUNDLE_EMPTY`, `ERR_BUNDLE_INVALID`, `ERR_INPUT_TOO_LARGE`, naming the trust domain),
 * `ERR_INPUT_TOO_LARGE` beyond {@link MAX_TRUST_DOMAINS} and `ERR_INVALID_ARGUMENT` for another kind of
 * input (a list or a single `TrustStore` is one trust domain's bundle, not a set).
 *
 * @example
 * ```ts
 * const bundles = new TrustBundleSet({
 *   'identity.linkerd.cluster.local': meshAnchorsPem,
 *   'example.org': partnerAnchorsPem,
 * });
 * bundles.trustDomains; // ['identity.linkerd.cluster.local', 'example.org']
 * const result = await verifySvid({ leaf, intermediates, bundles });
 * ```
 */
export class TrustBundleSet implements Iterable<TrustDomainBundle> {
  /** The trust domains, in the order they were given. Frozen. */
  readonly trustDomains: readonly string[];
  readonly #byDomain: ReadonlyMap<string, TrustDomainBundle>;
  readonly #empty: ReadonlyMap<string, EmptyDomain>;

  constructor(bundles: TrustBundleSetInput) {
    const parts = building ?? buildParts(bundles);
    building = undefined;
    this.#byDomain = parts.byDomain;
    this.#empty = parts.empty;
    this.trustDomains = Object.freeze([...parts.byDomain.keys()]);
    Object.defineProperty(this, TRUST_BUNDLE_SET_BRAND, { value: true });
    Object.freeze(this);
  }

  /**
   * How many trust domains the set holds.
   *
   * @example
   * ```ts
   * new TrustBundleSet({ 'example.org': anchorPem }).size; // 1
   * ```
   */
  get size(): number {
    return this.#byDomain.size;
  }

  /**
   * The entry of `trustDomain` (a bare name, compared exactly), or `undefined` when the set has none.
   *
   * @example
   * ```ts
   * bundles.get('example.org')?.store.anchors.length; // 1
   * bundles.get('example.com'); // undefined
   * ```
   */
  get(trustDomain: string): TrustDomainBundle | undefined {
    return this.#byDomain.get(trustDomain);
  }

  /**
   * Whether the set holds a bundle for `trustDomain`.
   *
   * @example
   * ```ts
   * bundles.has('identity.linkerd.cluster.local'); // true
   * ```
   */
  has(trustDomain: string): boolean {
    return this.#byDomain.has(trustDomain);
  }

  /**
   * A new set with `bundle` as the anchors of `trustDomain`, added or replacing the old ones whatever their
   * sequence (a trust domain's bundle is refreshed as a whole, as SPIFFE bundle endpoints serve it; use
   * {@link update} to take only a newer one). This set is unchanged.
   *
   * @example
   * ```ts
   * const refreshed = bundles.with('example.org', [currentAnchorPem, nextAnchorPem]);
   * ```
   */
  with(trustDomain: string, bundle: TrustBundleInput | SequencedBundle): TrustBundleSet {
    const name = requireTrustDomainName(trustDomain, 'trust domain');
    const parts = this.#parts(undefined);
    addDomain(parts, name, bundle);
    countDomains(parts.byDomain.size + parts.empty.size);
    return fromParts(parts);
  }

  /**
   * Takes a trust domain's newer bundle, as a bundle endpoint client does: a bundle whose `spiffe_sequence`
   * is above the one held replaces it (so do any bundle for a trust domain the set does not hold, and any
   * bundle when the one held has no sequence); an older one is refused (`SEQUENCE_STALE`), so is one with
   * the same sequence but other X.509 authorities or refresh hint (`SEQUENCE_CONFLICT`, while the same
   * bundle again is `ok` with `changed: false`) and one without a sequence when the held one has one
   * (`SEQUENCE_MISSING`; use {@link with} to replace a bundle regardless). A bundle with no X.509
   * authority empties the trust domain (its SVIDs then fail with `TRUST_DOMAIN_UNKNOWN`) and its sequence
   * is kept. This set is unchanged: the result carries the set to use.
   *
   * Throws, as the constructor does, for a bundle that cannot be read, and `ERR_INVALID_ARGUMENT` without
   * `bundle.trustDomain`.
   *
   * @example
   * ```ts
   * const fetched = parseSpiffeBundle({ trustDomain: 'example.org', document: await response.text() });
   * const result = bundles.update(fetched);
   * if (!result.ok) console.warn(`kept the bundle held: ${result.reason} [${result.code}]`);
   * bundles = result.bundles;
   * ```
   */
  update(bundle: SequencedBundle): BundleUpdateResult {
    const input = readSequenced(bundle, undefined);
    if (input.trustDomain === undefined) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'an update names its trust domain (bundle.trustDomain)');
    }
    const name = input.trustDomain;
    const held = this.#byDomain.get(name) ?? this.#empty.get(name);
    const parts = this.#parts(undefined);
    addDomain(parts, name, input);
    const next = parts.byDomain.get(name) ?? parts.empty.get(name)!;
    const refusal = held === undefined ? undefined : sequenceRefusal(name, held, next);
    if (refusal === 'same') return { ok: true, changed: false, bundles: this };
    if (refusal !== undefined) return { ok: false, ...refusal, bundles: this };
    countDomains(parts.byDomain.size + parts.empty.size);
    return { ok: true, changed: true, bundles: fromParts(parts) };
  }

  /**
   * A new set without `trustDomain`'s bundle: its SVIDs then fail with `TRUST_DOMAIN_UNKNOWN`. This set is
   * unchanged.
   *
   * @example
   * ```ts
   * const defederated = bundles.without('example.org');
   * ```
   */
  without(trustDomain: string): TrustBundleSet {
    return fromParts(this.#parts(trustDomain));
  }

  /** A copy of this set's parts without `trustDomain` (its stores shared: they are immutable). */
  #parts(trustDomain: unknown): SetParts {
    const byDomain = new Map<string, TrustDomainBundle>();
    const empty = new Map<string, EmptyDomain>();
    for (const [name, entry] of this.#byDomain) if (name !== trustDomain) byDomain.set(name, entry);
    for (const [name, entry] of this.#empty) if (name !== trustDomain) empty.set(name, entry);
    return { byDomain, empty };
  }

  static {
    partsOf = (set) => set.#parts(undefined);
  }

  /**
   * The entries, in the order of {@link trustDomains}.
   *
   * @example
   * ```ts
   * for (const { trustDomain, store } of bundles) console.log(trustDomain, store.anchors.length);
   * ```
   */
  [Symbol.iterator](): Iterator<TrustDomainBundle> {
    return this.#byDomain.values();
  }
}

/**
 * A {@link TrustBundleSet} from bundles keyed by trust domain; a set is returned as is (build one once and
 * reuse it: the bundles are then parsed once). Throws as the {@link TrustBundleSet} constructor does.
 *
 * @example
 * ```ts
 * const bundles = createTrustBundleSet(new Map([['example.org', anchorsPem]]));
 * createTrustBundleSet(bundles) === bundles; // true
 * ```
 */
export function createTrustBundleSet(input: TrustBundleSetInput): TrustBundleSet {
  return input instanceof TrustBundleSet ? input : new TrustBundleSet(input);
}

/** A set made of parts its own methods checked (counted by the caller). */
function fromParts(parts: SetParts): TrustBundleSet {
  building = parts;
  try {
    return new TrustBundleSet(parts as unknown as TrustBundleSetInput);
  } finally {
    building = undefined;
  }
}

/**
 * The brand of a {@link TrustBundleSet}, the same in every copy of l5d-pki in the process (the ESM and the
 * CJS build of a dual package). A set made by another copy is rebuilt from its public entries; each
 * entry's store is rebuilt from its anchors (see `createTrustStore`), so no internal state is shared.
 */
const TRUST_BUNDLE_SET_BRAND: unique symbol = Symbol.for('l5d-pki.TrustBundleSet') as never;

/** Whether `value` is a set made by another copy of l5d-pki (it carries the brand but is not ours). */
function isForeignSet(value: unknown): value is Iterable<TrustDomainBundle> {
  if (typeof value !== 'object' || value === null || value instanceof TrustBundleSet) return false;
  try {
    return (value as Record<symbol, unknown>)[TRUST_BUNDLE_SET_BRAND] === true;
  } catch {
    return false;
  }
}

/** The entries of a set made by another copy, as bundles this copy reads again. */
function foreignEntries(set: Iterable<TrustDomainBundle>): Map<string, SequencedBundle> {
  const out = new Map<string, SequencedBundle>();
  for (const entry of set) {
    out.set(entry.trustDomain, {
      trustDomain: entry.trustDomain,
      x509Authorities: createTrustStore(entry.store).anchors,
      sequence: entry.sequence,
      refreshHint: entry.refreshHint,
    });
  }
  return out;
}

/** The parts of a set built from `input`: every key checked, every bundle read. */
function buildParts(given: TrustBundleSetInput): SetParts {
  if (given instanceof TrustBundleSet) return partsOf(given);
  const input = isForeignSet(given) ? foreignEntries(given) : given;
  const parts: SetParts = { byDomain: new Map(), empty: new Map() };
  for (const [key, bundle] of setEntries(input)) {
    addDomain(parts, requireTrustDomainName(key, 'trust domain'), bundle);
  }
  return parts;
}

/** Files `bundle` under `trustDomain`, in `byDomain` or, without X.509 authorities, in `empty`. */
function addDomain(parts: SetParts, trustDomain: string, bundle: TrustBundleInput | SequencedBundle): void {
  // A replaced bundle keeps its trust domain's place in the order.
  if (!isSequenced(bundle)) {
    parts.empty.delete(trustDomain);
    const store = domainStore(trustDomain, bundle);
    parts.byDomain.set(
      trustDomain,
      Object.freeze({ trustDomain, store, sequence: undefined, refreshHint: undefined }),
    );
    return;
  }
  const { x509Authorities, sequence, refreshHint } = readSequenced(bundle, trustDomain);
  if (x509Authorities.length === 0) {
    parts.byDomain.delete(trustDomain);
    parts.empty.set(trustDomain, Object.freeze({ sequence, refreshHint }));
    return;
  }
  const store = domainStore(trustDomain, x509Authorities);
  parts.empty.delete(trustDomain);
  parts.byDomain.set(trustDomain, Object.freeze({ trustDomain, store, sequence, refreshHint }));
}

/** Whether `bundle` is a {@link SequencedBundle} rather than a {@link TrustBundleInput}. */
function isSequenced(bundle: unknown): bundle is SequencedBundle {
  return (
    typeof bundle === 'object' &&
    bundle !== null &&
    !Array.isArray(bundle) &&
    isPlainObject(bundle) &&
    'x509Authorities' in bundle
  );
}

interface SequencedParts {
  readonly trustDomain: string | undefined;
  readonly x509Authorities: readonly CertificateInput[];
  readonly sequence: number | undefined;
  readonly refreshHint: number | undefined;
}

/**
 * The fields of a {@link SequencedBundle}, each read once and checked: the authorities a list (copied),
 * the sequence a whole number from 0 to 2^53 - 1, the refresh hint a duration of at least 0, the trust
 * domain (when given) a bare name equal to `key` (when there is one).
 */
function readSequenced(bundle: unknown, key: string | undefined): SequencedParts {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a sequenced bundle must be an object with x509Authorities');
  }
  let fields: { trustDomain: unknown; x509Authorities: unknown; sequence: unknown; refreshHint: unknown };
  try {
    const b = bundle as Record<string, unknown>;
    fields = {
      trustDomain: b.trustDomain,
      x509Authorities: b.x509Authorities,
      sequence: b.sequence,
      refreshHint: b.refreshHint,
    };
  } catch {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a sequenced bundle could not be read');
  }
  const where = key === undefined ? '' : `trust domain "${key}": `;
  const trustDomain =
    fields.trustDomain === undefined ? key : requireTrustDomainName(fields.trustDomain, 'trustDomain');
  if (key !== undefined && trustDomain !== key) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `${where}the bundle is trust domain "${trustDomain}"'s, filed under another name`,
    );
  }
  if (!Array.isArray(fields.x509Authorities)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${where}x509Authorities must be an array`);
  }
  const sequence = fields.sequence;
  if (sequence !== undefined && !(Number.isSafeInteger(sequence) && (sequence as number) >= 0)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `${where}sequence must be a whole number from 0 to 2^53 - 1, got ${typeof sequence === 'number' ? sequence : typeof sequence}`,
    );
  }
  const refreshHint =
    fields.refreshHint === undefined
      ? undefined
      : durationMs(fields.refreshHint as DurationInput, `${where}refresh hint`, 'ERR_DURATION_INVALID', 0);
  return {
    trustDomain,
    x509Authorities: [...(fields.x509Authorities as readonly CertificateInput[])],
    sequence: sequence as number | undefined,
    refreshHint,
  };
}

/**
 * Why `next` may not replace `held` for `trustDomain`, `'same'` when it is the bundle already held, or
 * `undefined` when it replaces it.
 */
function sequenceRefusal(
  trustDomain: string,
  held: TrustDomainBundle | EmptyDomain,
  next: TrustDomainBundle | EmptyDomain,
): { code: BundleUpdateRefusal; reason: string } | 'same' | undefined {
  if (held.sequence === undefined) return undefined;
  const named = `trust domain "${trustDomain}"`;
  if (next.sequence === undefined) {
    return {
      code: 'SEQUENCE_MISSING',
      reason: `the bundle of ${named} held has sequence ${held.sequence}; one without a sequence cannot be ordered after it`,
    };
  }
  if (next.sequence > held.sequence) return undefined;
  if (next.sequence < held.sequence) {
    return {
      code: 'SEQUENCE_STALE',
      reason: `the bundle of ${named} has sequence ${next.sequence}, older than the ${held.sequence} held`,
    };
  }
  if (sameAuthorities(held, next) && held.refreshHint === next.refreshHint) return 'same';
  return {
    code: 'SEQUENCE_CONFLICT',
    reason: `the bundle of ${named} has the sequence held (${held.sequence}) but other contents`,
  };
}

/** Whether two entries hold the same X.509 authorities, in any order. */
function sameAuthorities(a: TrustDomainBundle | EmptyDomain, b: TrustDomainBundle | EmptyDomain): boolean {
  const x = 'store' in a ? a.store.anchors : [];
  const y = 'store' in b ? b.store.anchors : [];
  return x.length === y.length && x.every((c) => y.some((d) => sameBytes(c.der, d.der)));
}

/** Throws `ERR_INPUT_TOO_LARGE` beyond {@link MAX_TRUST_DOMAINS}. */
function countDomains(count: number): void {
  if (count > MAX_TRUST_DOMAINS) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `a trust bundle set holds at most ${MAX_TRUST_DOMAINS} trust domains, not ${count}`,
    );
  }
}

/**
 * The `[trustDomain, bundle]` pairs of `input`, counted against {@link MAX_TRUST_DOMAINS} before any
 * bundle is parsed. Only a `Map` or a plain object is a set input: an array, a string or a `TrustStore`
 * would otherwise pass for an object keyed by `0`, `1`... or `anchors`, all valid trust domain names.
 */
function setEntries(
  input: TrustBundleSetInput,
): Iterable<readonly [unknown, TrustBundleInput | SequencedBundle]> {
  let entries: Iterable<readonly [unknown, TrustBundleInput | SequencedBundle]>;
  let count: number;
  if (input instanceof Map) {
    entries = [...input];
    count = input.size;
  } else if (isPlainObject(input)) {
    const pairs = Object.entries(input);
    entries = pairs;
    count = pairs.length;
  } else {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'bundles must be a TrustBundleSet, a Map or an object keyed by trust domain',
    );
  }
  countDomains(count);
  return entries;
}

function isPlainObject(
  value: unknown,
): value is Readonly<Record<string, TrustBundleInput | SequencedBundle>> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `bundle` as a store, its errors naming the trust domain (codes unchanged). */
function domainStore(trustDomain: string, bundle: TrustBundleInput): TrustStore {
  if (bundle === undefined || bundle === null) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `trust domain "${trustDomain}": no bundle given`);
  }
  try {
    return createTrustStore(bundle);
  } catch (e) {
    if (!isPkiError(e)) throw e;
    throw new PkiError(e.code, `trust domain "${trustDomain}": ${e.message}`, { cause: e });
  }
}
