import { hashBytes, sameBytes } from '../der';
import { PkiError } from '../errors';
import { parseSpiffeId } from '../spiffe';
import { parseCertificate } from '../x509/certificate';
import type { Certificate } from '../x509/types';
import type { VerifyBudget } from './budget';
import type { SignatureCheck } from './build';
import { type ChainInput, checkSignatureWithBackend, identityOf, parseInput, verifyWith } from './chain';
import { Lru } from './lru';
import { parseReferenceName, type ReferenceName } from './names';
import {
  failure,
  problem,
  type VerifiedChain,
  type VerifyFailure,
  type VerifyResult,
  verifiedPath,
} from './result';
import { type Limits, type Profile, resolveLimits } from './settings';
import { certificateDer, createTrustStore, type TrustBundleInput, type TrustStore } from './store';
import { createTrustBundleSet, type TrustBundleSet, type TrustBundleSetInput } from './trust-domains';

/**
 * Options of {@link Verifier}.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = { bundle: anchorsPem, maxCacheEntries: 1_000 };
 * ```
 */
export interface VerifierOptions {
  /** The trust anchors, parsed once. Give this or {@link VerifierOptions.bundles}. */
  readonly bundle?: TrustBundleInput;
  /**
   * SPIFFE bundles keyed by trust domain, instead of `bundle`: each leaf is verified only against the
   * anchors of the trust domain of its SPIFFE ID (its one `spiffe://` URI SAN), with a cache per trust
   * domain; a leaf without a SPIFFE ID, or of a trust domain the set does not hold, fails with
   * `TRUST_DOMAIN_UNKNOWN`. For go-spiffe's X509-SVID rules on top, use {@link verifySvid}.
   */
  readonly bundles?: TrustBundleSetInput;
  /** Most intermediates remembered (least recently used ones go first). Default 10,000. */
  readonly maxCacheEntries?: number;
  /** As {@link VerifyChainOptions.maxDepth}. */
  readonly maxDepth?: number;
  /** As {@link VerifyChainOptions.budget}. */
  readonly budget?: VerifyBudget;
  /** As {@link VerifyChainOptions.profile}. */
  readonly profile?: Profile;
}

/**
 * Default {@link VerifierOptions.maxCacheEntries}.
 *
 * @example
 * ```ts
 * new Verifier({ bundle, maxCacheEntries: DEFAULT_MAX_CACHE_ENTRIES / 10 });
 * ```
 */
export const DEFAULT_MAX_CACHE_ENTRIES = 10_000;

/**
 * Most remembered intermediates also kept parsed. Parsed certificates weigh about 4 KB each, their DER
 * about 0.5 KB; keeping the parsed form (and with it the crypto backend's key handle) of the ones in use
 * spares a parse and a key import per verification.
 */
const MAX_PARSED = 1_000;

/**
 * Most reference names (`name` options) kept classified. Classifying is pure, so any bound is correct;
 * this one holds the names of a busy peer set.
 */
const MAX_NAMES = 1_024;

/**
 * An intermediate that was on a verified path (its DER: a private copy) and the issuer keys (SPKI DER,
 * views into private copies too) its signature verified with.
 */
interface CacheEntry {
  readonly key: number;
  readonly der: Uint8Array;
  readonly verifiedWith: Uint8Array[];
}

/** Bytes of a certificate's DER end (inside its signature) used, with the length, as its cache key. */
const KEY_TAIL = 32;

/**
 * Verifies many leaves against one set of trust anchors, remembering the intermediates of verified paths:
 * a warm verification of a leaf and its issuer checks one signature (the leaf's).
 *
 * What is remembered cannot change between calls: an intermediate's bytes, its parsed form (profile
 * checks are memoized per parsed object), and the fact that its signature verifies with a given issuer
 * key. Path building, validity at `at`, names, usages, depth and budgets are evaluated on every call, so a
 * warm result is always the result a cold {@link verifyChain} gives for the same input.
 *
 * @example
 * ```ts
 * const verifier = new Verifier({ bundle: trustAnchorsPem });
 * const result = await verifier.verify({ leaf: peerDer, intermediates: [issuerDer], usage: 'client' });
 * ```
 */
export class Verifier {
  /** The trust anchors; `undefined` for a verifier of {@link VerifierOptions.bundles}. */
  readonly store: TrustStore | undefined;
  /** The bundles by trust domain, for a verifier made with {@link VerifierOptions.bundles}. */
  readonly bundles: TrustBundleSet | undefined;
  /** One verifier per trust domain, for a verifier of `bundles`. */
  readonly #domains: ReadonlyMap<string, Verifier> | undefined;
  readonly #limits: Limits;
  readonly #entries: Lru<number, CacheEntry>;
  readonly #parsed: Lru<number, Certificate>;
  /** The entry each certificate parsed from a remembered DER came from (its bytes are that entry's). */
  readonly #sources = new WeakMap<Certificate, CacheEntry>();
  readonly #names = new Map<string, ReferenceName>();

  /** Throws `ERR_BUNDLE_EMPTY`, `ERR_BUNDLE_INVALID` or `ERR_INVALID_ARGUMENT`. */
  constructor(options: VerifierOptions) {
    if (typeof options !== 'object' || options === null)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'Verifier takes an options object');
    const max = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'maxCacheEntries must be a non-negative integer');
    }
    const { bundle, bundles } = options;
    if ((bundle === undefined) === (bundles === undefined))
      throw new PkiError('ERR_INVALID_ARGUMENT', 'Verifier takes either bundle or bundles');
    if (bundles === undefined) {
      this.store = createTrustStore(bundle as TrustBundleInput);
      this.bundles = undefined;
      this.#domains = undefined;
    } else {
      this.store = undefined;
      this.bundles = createTrustBundleSet(bundles);
      const domains = new Map<string, Verifier>();
      for (const entry of this.bundles) {
        domains.set(entry.trustDomain, new Verifier({ ...options, bundle: entry.store, bundles: undefined }));
      }
      this.#domains = domains;
    }
    this.#limits = resolveLimits(options);
    this.#entries = new Lru(max);
    this.#parsed = new Lru(Math.min(max, MAX_PARSED));
  }

  /**
   * How many intermediates are remembered.
   *
   * @example
   * ```ts
   * verifier.cacheSize; // 1 after verifying leaves of one issuer
   * ```
   */
  get cacheSize(): number {
    let size = this.#entries.size;
    for (const domain of this.#domains?.values() ?? []) size += domain.cacheSize;
    return size;
  }

  /**
   * Verifies like {@link verifyChain} against this verifier's anchors and limits.
   *
   * @example
   * ```ts
   * const result = await verifier.verify({ leaf, intermediates, name: 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web' });
   * ```
   */
  verify(input: ChainInput): Promise<VerifyResult> {
    if (this.#domains !== undefined) return this.#verifyInTrustDomain(this.#domains, input);
    // Not an async function: a verification that needed no waiting settles without another turn.
    try {
      const result = verifyWith(
        this.store as TrustStore,
        input,
        this.#limits,
        this.#resolve,
        this.#checkSignature,
        this.#parseName,
      );
      return result instanceof Promise ? result.then(this.#settle) : Promise.resolve(this.#settle(result));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Verifies `input` with the verifier of its leaf's trust domain, or fails with `TRUST_DOMAIN_UNKNOWN`.
   * Every option is read once, here, and handed on as plain data.
   */
  #verifyInTrustDomain(domains: ReadonlyMap<string, Verifier>, input: ChainInput): Promise<VerifyResult> {
    try {
      if (typeof input !== 'object' || input === null)
        throw new PkiError('ERR_INVALID_ARGUMENT', 'verify takes an options object');
      const { leaf: given, intermediates, at, usage, name } = input;
      const leaf = parseInput(given, 0, 'leaf');
      if ('ok' in leaf) return Promise.resolve(leaf);
      const id = identityOf(leaf).spiffeId;
      const trustDomain = id === undefined ? undefined : parseSpiffeId(id).trustDomain;
      const verifier = trustDomain === undefined ? undefined : domains.get(trustDomain);
      if (verifier === undefined) {
        const reason =
          trustDomain === undefined
            ? 'the leaf carries no SPIFFE ID, so no trust domain'
            : `no X.509 bundle for trust domain "${trustDomain}"`;
        return Promise.resolve(failure(problem('TRUST_DOMAIN_UNKNOWN', reason), 0));
      }
      return verifier.verify({ leaf, intermediates, at, usage, name } as ChainInput);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Remembers the intermediates of a verified path, and passes the result on. */
  readonly #settle = (result: VerifiedChain | VerifyFailure): VerifyResult => {
    if (result.ok) this.#remember(verifiedPath(result));
    return result;
  };

  /**
   * Forgets every remembered intermediate.
   *
   * @example
   * ```ts
   * verifier.clearCache(); // e.g. after an issuer was compromised and rotated
   * ```
   */
  clearCache(): void {
    this.#entries.clear();
    this.#parsed.clear();
    for (const domain of this.#domains?.values() ?? []) domain.clearCache();
  }

  /** {@link parseReferenceName}, memoized (failures are not: they throw every time). */
  readonly #parseName = (name: string): ReferenceName => {
    let ref = this.#names.get(name);
    if (ref === undefined) {
      ref = parseReferenceName(name);
      if (this.#names.size >= MAX_NAMES) this.#names.clear();
      this.#names.set(name, ref);
    }
    return ref;
  };

  /**
   * The remembered certificate with `input`'s DER (parsed once while in use), or a private parse of a
   * copy of it. Runs before anything waits, so the bytes compared and copied are the ones given.
   */
  readonly #resolve = (input: Certificate | Uint8Array): Certificate => {
    const der = certificateDer(input);
    const key = cacheKey(der);
    const entry = this.#entry(key, der, true);
    if (!entry) return parseCertificate(der);
    const parsed = this.#parsed.get(key);
    if (parsed !== undefined && this.#sources.get(parsed) === entry) return parsed;
    const cert = parseCertificate(entry.der);
    this.#parsed.set(key, cert);
    this.#sources.set(cert, entry);
    return cert;
  };

  /** The entry for `der` (keys can collide: the bytes must match too), marked used when `touch`. */
  #entry(key: number, der: Uint8Array, touch: boolean): CacheEntry | undefined {
    const entry = touch ? this.#entries.get(key) : this.#entries.peek(key);
    return entry && (entry.der === der || sameBytes(entry.der, der)) ? entry : undefined;
  }

  /**
   * Memoized signature checks: an intermediate whose signature already verified with this issuer key.
   * Only the verifier's own parses of remembered copies are looked up.
   */
  readonly #checkSignature: SignatureCheck = (child, issuer) => {
    const source = this.#sources.get(child);
    if (source !== undefined && hasKey(source.verifiedWith, issuer.publicKey.der)) return true;
    return checkSignatureWithBackend(child, issuer);
  };

  /**
   * Remembers the intermediates of a verified path (not the leaf, not the anchor). Every certificate on
   * it is a private parse (of a copy made when the call began, of a remembered copy, or an anchor of the
   * store), which no caller can reach: its bytes are what was verified.
   */
  #remember(path: readonly Certificate[]): void {
    for (let i = 1; i < path.length - 1; i++) {
      const cert = path[i]!;
      let entry = this.#sources.get(cert);
      if (entry === undefined || this.#entries.peek(entry.key) !== entry) {
        const key = entry?.key ?? cacheKey(cert.der);
        entry = this.#entry(key, cert.der, true);
        if (!entry) {
          entry = { key, der: cert.der, verifiedWith: [] };
          this.#entries.set(key, entry);
          this.#parsed.set(key, cert);
        }
        this.#sources.set(cert, entry);
      }
      const issuerKey = path[i + 1]!.publicKey.der;
      if (!hasKey(entry.verifiedWith, issuerKey)) entry.verifiedWith.push(issuerKey);
    }
  }
}

function hasKey(keys: readonly Uint8Array[], key: Uint8Array): boolean {
  for (const k of keys) if (k === key || sameBytes(k, key)) return true;
  return false;
}

/** A hash of the DER's last bytes and its length (a cheap Map key; entries still compare all bytes). */
function cacheKey(der: Uint8Array): number {
  return (hashBytes(der, Math.max(0, der.length - KEY_TAIL)) ^ Math.imul(der.length, 0x9e3779b1)) >>> 0;
}
