import { isPkiError, PkiError } from '../errors';
import { requireTrustDomainName } from '../spiffe/trust-domain';
import { createTrustStore, type TrustBundleInput, type TrustStore } from './store';

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
 * One trust domain's entry in a {@link TrustBundleSet}: the trust domain and its X.509 trust anchors.
 * Frozen.
 *
 * @example
 * ```ts
 * const entry: TrustDomainBundle | undefined = bundles.get('example.org');
 * entry?.store.anchors.length; // 1
 * ```
 */
export interface TrustDomainBundle {
  /** The trust domain name, e.g. `example.org`. */
  readonly trustDomain: string;
  /** The trust domain's X.509 authorities: the only anchors its SVIDs verify against. */
  readonly store: TrustStore;
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
  | ReadonlyMap<string, TrustBundleInput>
  | { readonly [trustDomain: string]: TrustBundleInput };

/**
 * X.509 bundles keyed by SPIFFE trust domain (go-spiffe's `x509bundle.Set`): each trust domain's anchors
 * are held as their own {@link TrustStore}, so an X509-SVID verifies only against the anchors of its own
 * trust domain, never against another domain's, even when both are in the set. Immutable: {@link with} and
 * {@link without} return new sets (the other domains' stores are shared, not parsed again). At most
 * {@link MAX_TRUST_DOMAINS} domains; an empty set is allowed and trusts nothing.
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

  constructor(bundles: TrustBundleSetInput) {
    const byDomain = new Map<string, TrustDomainBundle>();
    for (const [key, bundle] of setEntries(bundles)) {
      const trustDomain = requireTrustDomainName(key, 'trust domain');
      byDomain.set(trustDomain, Object.freeze({ trustDomain, store: domainStore(trustDomain, bundle) }));
    }
    this.#byDomain = byDomain;
    this.trustDomains = Object.freeze([...byDomain.keys()]);
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
   * A new set with `bundle` as the anchors of `trustDomain`, added or replacing the old ones (a trust
   * domain's bundle is refreshed as a whole, as SPIFFE bundle endpoints serve it). This set is unchanged.
   *
   * @example
   * ```ts
   * const refreshed = bundles.with('example.org', [currentAnchorPem, nextAnchorPem]);
   * ```
   */
  with(trustDomain: string, bundle: TrustBundleInput): TrustBundleSet {
    const name = requireTrustDomainName(trustDomain, 'trust domain');
    const next = new Map<string, TrustBundleInput>();
    for (const entry of this.#byDomain.values()) next.set(entry.trustDomain, entry.store);
    next.set(name, bundle);
    return new TrustBundleSet(next);
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
    const next = new Map<string, TrustBundleInput>();
    for (const entry of this.#byDomain.values()) {
      if (entry.trustDomain !== trustDomain) next.set(entry.trustDomain, entry.store);
    }
    return new TrustBundleSet(next);
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

/**
 * The `[trustDomain, bundle]` pairs of `input`, counted against {@link MAX_TRUST_DOMAINS} before any
 * bundle is parsed. Only a `Map`, a set or a plain object is a set input: an array, a string or a
 * `TrustStore` would otherwise pass for an object keyed by `0`, `1`... or `anchors`, all valid trust domain
 * names.
 */
function setEntries(input: TrustBundleSetInput): Iterable<readonly [unknown, TrustBundleInput]> {
  let entries: Iterable<readonly [unknown, TrustBundleInput]>;
  let count: number;
  if (input instanceof TrustBundleSet) {
    entries = [...input].map((e) => [e.trustDomain, e.store] as const);
    count = input.size;
  } else if (input instanceof Map) {
    entries = input;
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
  if (count > MAX_TRUST_DOMAINS) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `a trust bundle set holds at most ${MAX_TRUST_DOMAINS} trust domains, not ${count}`,
    );
  }
  return entries;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, TrustBundleInput>> {
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
