import { cryptoBackend } from '../crypto/backend';
import type { CryptoBackend } from '../crypto/types';
import { hashBytes, sameBytes } from '../der';
import { PkiError } from '../errors';
import { parseSpiffeId } from '../spiffe';
import { parseCertificate } from '../x509/certificate';
import type { Certificate } from '../x509/types';
import type { VerifyBudget } from './budget';
import type { SignatureCheck, Usage } from './build';
import { type ChainInput, checkSignatureWithBackend, identityOf, parseInput, verifyWith } from './chain';
import { Lru } from './lru';
import { parseReferenceName, type ReferenceName } from './names';
import {
  failure,
  problem,
  VerifiedChain,
  type VerifiedIdentity,
  type VerifyFailure,
  type VerifyResult,
  verifiedPath,
} from './result';
import { type Limits, type Profile, resolveLimits, resolveRequest } from './settings';
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
  /**
   * Most verified questions remembered for an exact repeat (least recently used ones go first): the same
   * leaf and intermediates, byte for byte and in the same order, with the same name and usage, at a
   * validation time at which no certificate involved (the leaf, every intermediate presented, every
   * anchor) has begun or ended its validity since. Such a repeat is answered without verifying again,
   * with the result a fresh verification would give. A question is kept from the second time its leaf
   * verifies on. Default {@link DEFAULT_MAX_REPEAT_ENTRIES}; 0 turns it off (more distinct peers in turn
   * than this bound pay for keeping answers they never use).
   *
   * @example
   * ```ts
   * new Verifier({ bundle, maxRepeatEntries: 10_000, maxRepeatBytes: 64 * 1024 * 1024 });
   * ```
   */
  readonly maxRepeatEntries?: number;
  /**
   * Most bytes the remembered questions may hold (their certificates' DER, and about 4 KiB for each
   * certificate kept parsed). Default {@link DEFAULT_MAX_REPEAT_BYTES}.
   */
  readonly maxRepeatBytes?: number;
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
 * Default {@link VerifierOptions.maxRepeatEntries}: the peers of a busy proxy.
 *
 * @example
 * ```ts
 * new Verifier({ bundle, maxRepeatEntries: DEFAULT_MAX_REPEAT_ENTRIES * 4 });
 * ```
 */
export const DEFAULT_MAX_REPEAT_ENTRIES = 1_024;

/**
 * Default {@link VerifierOptions.maxRepeatBytes}: 8 MiB.
 *
 * @example
 * ```ts
 * new Verifier({ bundle, maxRepeatBytes: DEFAULT_MAX_REPEAT_BYTES / 2 });
 * ```
 */
export const DEFAULT_MAX_REPEAT_BYTES = 8 * 1024 * 1024;

/** Most leaves kept as verified once and not remembered yet. */
const SIGHTINGS = 4096;

/** What a remembered question is counted as holding, per certificate, beyond its DER (its parse). */
const PARSED_WEIGHT = 4096;

/**
 * A question that verified, and its answer. Every byte array is a private copy (the DER of the
 * verifier's own parses), never a caller's buffer; the path is the verifier's own certificates.
 */
interface RepeatEntry {
  readonly key: number;
  readonly leaf: Uint8Array;
  /** The intermediates as presented, in order. */
  readonly presented: readonly Uint8Array[];
  readonly name: string | undefined;
  readonly usage: Usage;
  /** The validation times (whole milliseconds, both included) at which the answer is the same. */
  readonly from: number;
  readonly until: number;
  /** The backend the signatures were checked with. */
  readonly backend: CryptoBackend;
  readonly path: readonly Certificate[];
  readonly identity: VerifiedIdentity;
  readonly validUntil: number;
  readonly bytes: number;
}

/** A verification's inputs, read once, when they can be looked up among the remembered questions. */
interface Question {
  readonly key: number;
  readonly leaf: Uint8Array;
  readonly presented: readonly Uint8Array[];
  readonly at: number;
  readonly usage: Usage;
  readonly name: string | undefined;
  readonly backend: CryptoBackend;
}

/**
 * `%TypedArray%.prototype[@@toStringTag]`, which reads a typed array's kind from the object itself:
 * 'Uint8Array' for a genuine Uint8Array (a Buffer too), whatever its prototype says, and undefined for
 * anything else (a proxy included).
 */
const typedArrayKind = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)?.get as ((this: unknown) => string | undefined) | undefined;

function isGenuineBytes(x: Uint8Array): boolean {
  return typedArrayKind !== undefined && typedArrayKind.call(x) === 'Uint8Array';
}

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
 * warm result is always the result a cold {@link verifyChain} gives for the same input. The one exception
 * is an exact repeat of a question that verified ({@link VerifierOptions.maxRepeatEntries}): the same
 * bytes, name, usage and backend, at a time at which no certificate involved has begun or ended its
 * validity since, is answered from memory, with the same verdict and a fresh result.
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
  /** Verified questions by a hash of the leaf, least recently used first; undefined when turned off. */
  readonly #repeats: Map<number, RepeatEntry> | undefined;
  readonly #maxRepeats: number;
  readonly #maxRepeatBytes: number;
  #repeatBytes = 0;
  /** The anchors' validity boundaries (each notBefore, and each notAfter + 1 ms), made on first need. */
  #anchorBounds: readonly number[] | undefined;
  /**
   * Keys of leaves verified once and not remembered yet, oldest first: a question is remembered when its
   * leaf comes back. Exact keys, not slots of a table: two leaves sharing a slot would push each other
   * out for ever.
   */
  readonly #sightings = new Set<number>();
  /** While a remembered question's call resolves its intermediates: their parses, in order. */
  #collecting: Certificate[] | undefined;

  /** Throws `ERR_BUNDLE_EMPTY`, `ERR_BUNDLE_INVALID` or `ERR_INVALID_ARGUMENT`. */
  constructor(options: VerifierOptions) {
    if (typeof options !== 'object' || options === null)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'Verifier takes an options object');
    const max = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'maxCacheEntries must be a non-negative integer');
    }
    const maxRepeats = options.maxRepeatEntries ?? DEFAULT_MAX_REPEAT_ENTRIES;
    const maxRepeatBytes = options.maxRepeatBytes ?? DEFAULT_MAX_REPEAT_BYTES;
    if (!Number.isSafeInteger(maxRepeats) || maxRepeats < 0)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'maxRepeatEntries must be a non-negative integer');
    if (!Number.isSafeInteger(maxRepeatBytes) || maxRepeatBytes < 0)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'maxRepeatBytes must be a non-negative integer');
    this.#maxRepeats = maxRepeats;
    this.#maxRepeatBytes = maxRepeatBytes;
    this.#repeats = maxRepeats > 0 && maxRepeatBytes > 0 ? new Map() : undefined;
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
        const { bundles: _, ...rest } = options;
        domains.set(entry.trustDomain, new Verifier({ ...rest, bundle: entry.store }));
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
      const question = this.#repeats === undefined ? undefined : this.#question(input);
      if (question === undefined) {
        const result = verifyWith(
          this.store as TrustStore,
          input,
          this.#limits,
          this.#resolve,
          this.#checkSignature,
          this.#parseName,
        );
        return result instanceof Promise ? result.then(this.#settle) : Promise.resolve(this.#settle(result));
      }
      const known = this.#recall(question);
      if (known !== undefined) return Promise.resolve(known);
      return this.#verifyQuestion(question);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The inputs of `input`, read once, when they can be remembered: DER (or parsed certificates, read as
   * their DER) in genuine `Uint8Array`s, no PEM text. Misuse throws as a fresh verification would
   * (options, time, usage, name); anything else unusual gives undefined and is verified as given.
   */
  #question(input: ChainInput): Question | undefined {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const { leaf: givenLeaf, intermediates, at, usage, name } = input;
    const request = resolveRequest({ at, usage, name } as ChainInput, this.#parseName);
    if (name !== undefined && typeof name !== 'string') return undefined;
    const leaf = derOf(givenLeaf);
    if (leaf === undefined) return undefined;
    let presented: Uint8Array[];
    if (intermediates === undefined) presented = [];
    else {
      if (!Array.isArray(intermediates) || intermediates.length > MAX_REMEMBERED_INTERMEDIATES)
        return undefined;
      presented = new Array(intermediates.length);
      for (let i = 0; i < presented.length; i++) {
        const der = derOf(intermediates[i]);
        if (der === undefined) return undefined;
        presented[i] = der;
      }
    }
    return {
      key: cacheKey(leaf),
      leaf,
      presented,
      at: request.at,
      usage: request.usage,
      name,
      backend: cryptoBackend(),
    };
  }

  /** A fresh result for `q` from a remembered answer, or undefined. */
  #recall(q: Question): VerifiedChain | undefined {
    const repeats = this.#repeats as Map<number, RepeatEntry>;
    const entry = repeats.get(q.key);
    if (
      entry === undefined ||
      q.at < entry.from ||
      q.at > entry.until ||
      q.name !== entry.name ||
      q.usage !== entry.usage ||
      q.backend !== entry.backend ||
      q.presented.length !== entry.presented.length ||
      !sameBytes(entry.leaf, q.leaf)
    )
      return undefined;
    for (let i = 0; i < q.presented.length; i++)
      if (!sameBytes(entry.presented[i]!, q.presented[i]!)) return undefined;
    // Most recently used last, so the oldest go first.
    repeats.delete(q.key);
    repeats.set(q.key, entry);
    return new VerifiedChain(entry.path, copyIdentity(entry.identity), new Date(entry.validUntil));
  }

  /**
   * Verifies `q` afresh (the inputs as read into it, at its time), and remembers the question when it
   * verifies and every intermediate presented parsed.
   */
  #verifyQuestion(q: Question): Promise<VerifyResult> {
    // One shape whether or not a name is asked for (an absent name reads as undefined either way).
    const input = {
      leaf: q.leaf,
      intermediates: q.presented,
      at: new Date(q.at),
      usage: q.usage,
      name: q.name,
    } as ChainInput;
    const collected: Certificate[] = [];
    this.#collecting = collected;
    let result: ReturnType<typeof verifyWith>;
    try {
      result = verifyWith(
        this.store as TrustStore,
        input,
        this.#limits,
        this.#resolve,
        this.#checkSignature,
        this.#parseName,
      );
    } finally {
      this.#collecting = undefined;
    }
    const settle = (r: VerifiedChain | VerifyFailure): VerifyResult => {
      if (r.ok) this.#rememberQuestion(q, verifiedPath(r), collected, r);
      return this.#settle(r);
    };
    return result instanceof Promise ? result.then(settle) : Promise.resolve(settle(result));
  }

  /**
   * Remembers that `q` verified with `path`: its leaf and intermediates as the private copies this call
   * parsed (what was verified, not what the caller's buffers hold now), valid for the validation times
   * at which every certificate involved is as valid, or not, as at `q.at`.
   */
  #rememberQuestion(
    q: Question,
    path: readonly Certificate[],
    collected: readonly Certificate[],
    result: VerifiedChain,
  ): void {
    const repeats = this.#repeats;
    if (repeats === undefined || collected.length !== q.presented.length || path.length === 0) return;
    // Kept from the second sighting of a leaf on (or at once when the leaf has a remembered question): a
    // stream of leaves that never come back costs a number each, not a kept parse each (which the
    // garbage collector would then have to promote).
    const sightings = this.#sightings;
    if (!repeats.has(q.key) && !sightings.delete(q.key)) {
      sightings.add(q.key);
      if (sightings.size > SIGHTINGS) sightings.delete(sightings.values().next().value as number);
      return;
    }
    const leaf = path[0]!;
    const presented = collected.map((c) => c.der);
    // The window: between the nearest validity boundary at or before q.at and the nearest after it.
    const window = { from: -Infinity, until: Infinity };
    const bound = (b: number) => {
      if (b <= q.at) window.from = Math.max(window.from, b);
      else window.until = Math.min(window.until, b - 1);
    };
    for (const c of [leaf, ...collected, ...path]) {
      bound(c.notBefore.getTime());
      bound(c.notAfter.getTime() + 1);
    }
    for (const b of this.#anchorBoundaries()) bound(b);
    let bytes = PARSED_WEIGHT + leaf.der.length;
    for (const der of presented) bytes += PARSED_WEIGHT + der.length;
    if (bytes > this.#maxRepeatBytes) return;
    const old = repeats.get(q.key);
    if (old !== undefined) {
      repeats.delete(q.key);
      this.#repeatBytes -= old.bytes;
    }
    repeats.set(q.key, {
      key: q.key,
      leaf: leaf.der,
      presented,
      name: q.name,
      usage: q.usage,
      from: window.from,
      until: window.until,
      backend: q.backend,
      path,
      identity: copyIdentity(result.identity),
      validUntil: result.validUntil.getTime(),
      bytes,
    });
    this.#repeatBytes += bytes;
    for (const [key, entry] of repeats) {
      if (repeats.size <= this.#maxRepeats && this.#repeatBytes <= this.#maxRepeatBytes) break;
      repeats.delete(key);
      this.#repeatBytes -= entry.bytes;
    }
  }

  /** Each anchor's notBefore and notAfter + 1 ms: where an anchor begins or ends its validity. */
  #anchorBoundaries(): readonly number[] {
    if (this.#anchorBounds === undefined) {
      const bounds: number[] = [];
      for (const a of (this.store as TrustStore).anchors)
        bounds.push(a.notBefore.getTime(), a.notAfter.getTime() + 1);
      this.#anchorBounds = bounds;
    }
    return this.#anchorBounds;
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
    this.#repeats?.clear();
    this.#repeatBytes = 0;
    this.#sightings.clear();
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
    const cert = this.#resolveOwn(input);
    this.#collecting?.push(cert);
    return cert;
  };

  #resolveOwn(input: Certificate | Uint8Array): Certificate {
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
  }

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

/** Most intermediates a remembered question may present (longer lists are verified every time). */
const MAX_REMEMBERED_INTERMEDIATES = 8;

/** The DER of a certificate given as bytes or parsed, when it is a genuine Uint8Array; else undefined. */
function derOf(input: unknown): Uint8Array | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  let der: Uint8Array;
  try {
    der = certificateDer(input as Certificate | Uint8Array);
  } catch {
    return undefined;
  }
  return isGenuineBytes(der) ? der : undefined;
}

/** A copy of a verified identity, as {@link identityOf} makes it (the same keys, in the same order). */
function copyIdentity(identity: VerifiedIdentity): VerifiedIdentity {
  const out: { dns?: string[]; spiffeId?: string } = {};
  if (identity.dns !== undefined) out.dns = identity.dns.slice();
  if (identity.spiffeId !== undefined) out.spiffeId = identity.spiffeId;
  return out;
}

function hasKey(keys: readonly Uint8Array[], key: Uint8Array): boolean {
  for (const k of keys) if (k === key || sameBytes(k, key)) return true;
  return false;
}

/** A hash of the DER's last bytes and its length (a cheap Map key; entries still compare all bytes). */
function cacheKey(der: Uint8Array): number {
  return (hashBytes(der, Math.max(0, der.length - KEY_TAIL)) ^ Math.imul(der.length, 0x9e3779b1)) >>> 0;
}
