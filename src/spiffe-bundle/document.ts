/**
 * SPIFFE bundle documents (SPIFFE Trust Domain and Bundle, §4): a JWK Set with `x509-svid` and `jwt-svid`
 * keys, `spiffe_sequence` and `spiffe_refresh_hint`. Read as go-spiffe's `spiffebundle.Parse` reads them;
 * written with one canonical order.
 *
 * @module
 */
import { MAX_BUNDLE_CERTIFICATES } from '../anchor/bundle';
import { sameBytes } from '../der';
import { type DurationInput, durationMs } from '../duration';
import { isPkiError, PkiError } from '../errors';
import { base64Decode, base64Encode } from '../pem';
import { requireTrustDomainName } from '../spiffe/trust-domain';
import { createTrustStore, type TrustBundleInput } from '../verify/store';
import { parseCertificate } from '../x509/certificate';
import type { Certificate } from '../x509/types';
import {
  canonicalJwk,
  type JwkKey,
  jwkMatchesSpki,
  KNOWN_KTY,
  readPublicJwk,
  type SpiffeJwk,
  spkiJwk,
} from './jwk';

/**
 * Longest SPIFFE bundle document read, in UTF-16 code units (or bytes, for bytes): 1 MiB. Longer ones
 * fail with `ERR_INPUT_TOO_LARGE` before any parsing.
 *
 * @example
 * ```ts
 * if (text.length > MAX_SPIFFE_BUNDLE_LENGTH) throw new Error('bundle too large');
 * ```
 */
export const MAX_SPIFFE_BUNDLE_LENGTH = 1 << 20;

/**
 * Most entries a document's `keys` array may hold, ignored ones included; most `jwt-svid` (and most
 * `wit-svid`) authorities kept. X.509 authorities are limited to `MAX_BUNDLE_CERTIFICATES`.
 *
 * @example
 * ```ts
 * parsed.jwtAuthorities.length <= MAX_SPIFFE_BUNDLE_KEYS; // true
 * ```
 */
export const MAX_SPIFFE_BUNDLE_KEYS = 1000;

/**
 * A trust domain's SPIFFE bundle, parsed: its X.509 authorities (CA certificates, for X509-SVIDs), its
 * JWT authorities (public JWKs with their `kid`, for JWT-SVIDs: kept so that a document round-trips;
 * l5d-pki does not validate JWT-SVIDs), its WIT-SVID authorities likewise, and the document's sequence
 * number and refresh hint. A {@link SequencedBundle}: a `TrustBundleSet` takes it as it is. Frozen.
 *
 * @example
 * ```ts
 * const bundle: SpiffeBundle = parseSpiffeBundle({ trustDomain: 'example.org', document });
 * bundle.x509Authorities.length; // 1
 * bundle.jwtAuthorities.map((k) => k.kid); // ['C6vs25welZOx6WksNYfbMfiw9l96pMnD']
 * bundle.refreshHint; // 60000
 * ```
 */
export interface SpiffeBundle {
  /** The trust domain the bundle belongs to (a bare name). */
  readonly trustDomain: string;
  /** The X.509 authorities, duplicates dropped, in document order. */
  readonly x509Authorities: readonly Certificate[];
  /** The `jwt-svid` keys, in document order. */
  readonly jwtAuthorities: readonly SpiffeJwk[];
  /** The `wit-svid` keys, in document order. */
  readonly witAuthorities: readonly SpiffeJwk[];
  /** `spiffe_sequence`, when present. */
  readonly sequence: number | undefined;
  /** `spiffe_refresh_hint` in whole milliseconds (the document gives seconds), when present. */
  readonly refreshHint: number | undefined;
}

/**
 * Options of {@link parseSpiffeBundle}.
 *
 * @example
 * ```ts
 * const options: ParseSpiffeBundleOptions = { trustDomain: 'example.org', document: text };
 * ```
 */
export interface ParseSpiffeBundleOptions {
  /** The trust domain the document is the bundle of (a document does not name it). */
  readonly trustDomain: string;
  /** The document: JSON text, its UTF-8 bytes, or the value `JSON.parse` made of it. */
  readonly document: string | Uint8Array | object;
}

/** The `use` values of the keys a bundle keeps; others are ignored. */
type KeyUse = 'x509-svid' | 'jwt-svid' | 'wit-svid';
const USES: ReadonlySet<string> = new Set<KeyUse>(['x509-svid', 'jwt-svid', 'wit-svid']);

/** Largest `spiffe_refresh_hint` in seconds whose milliseconds are still a safe integer. */
const MAX_HINT_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * Parses a SPIFFE bundle document for a trust domain, as go-spiffe's `spiffebundle.Parse` does. `keys`
 * must be present (an empty list is a bundle that trusts nothing). Each `x509-svid` key holds exactly one
 * certificate in `x5c` (standard base64 DER; its `kid` is not used) whose public key is the one the JWK
 * members give; each `jwt-svid` (and `wit-svid`) key needs a `kid` and is kept as a public JWK. A key
 * whose `use` is missing or unknown, or whose `kty` is unknown, is ignored, as the SPIFFE bundle format
 * says. `spiffe_sequence` is a whole number from 0 to 2^53 - 1 and `spiffe_refresh_hint` a whole number
 * of seconds (`null` is absent). Duplicate certificates are dropped, as are repeated JWT keys; two keys
 * of one use with the same `kid` and other material are an error.
 *
 * Throws `ERR_SPIFFE_BUNDLE_INVALID` for a document that is not a bundle, `ERR_SPIFFE_BUNDLE_KEY` for a
 * wrong key (the message names it: `key 1 (jwt-svid): ...`), `ERR_INPUT_TOO_LARGE` beyond
 * {@link MAX_SPIFFE_BUNDLE_LENGTH}, {@link MAX_SPIFFE_BUNDLE_KEYS} or `MAX_BUNDLE_CERTIFICATES`,
 * `ERR_TRUST_DOMAIN_INVALID` for a trust domain that is not a bare name.
 *
 * @example
 * ```ts
 * const bundle = parseSpiffeBundle({ trustDomain: 'example.org', document: await response.text() });
 * const result = await verifySvid({ leaf, intermediates, bundles: { 'example.org': bundle } });
 * ```
 */
export function parseSpiffeBundle(options: ParseSpiffeBundleOptions): SpiffeBundle {
  const { trustDomain: domainInput, document } = readOptions(options, 'parseSpiffeBundle', [
    'trustDomain',
    'document',
  ]);
  const trustDomain = requireTrustDomainName(domainInput, 'trustDomain');
  const doc = documentObject(document);
  const keys = doc.keys;
  if (keys === undefined || keys === null) {
    throw invalidDoc('no authorities found: the document has no "keys" member');
  }
  if (!Array.isArray(keys)) throw invalidDoc('"keys" is not an array');
  if (keys.length > MAX_SPIFFE_BUNDLE_KEYS) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `a SPIFFE bundle holds at most ${MAX_SPIFFE_BUNDLE_KEYS} keys, not ${keys.length}`,
    );
  }
  const sequence = wholeMember(doc.spiffe_sequence, 'spiffe_sequence', Number.MAX_SAFE_INTEGER);
  const hintSeconds = wholeMember(doc.spiffe_refresh_hint, 'spiffe_refresh_hint', MAX_HINT_SECONDS);
  const x509: Certificate[] = [];
  const jwt = new Authorities('jwt-svid');
  const wit = new Authorities('wit-svid');
  for (const [i, entry] of (keys as unknown[]).entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw keyError(i, undefined, 'not a JSON object');
    }
    const key = entry as Record<string, unknown>;
    const use = key.use;
    if (typeof use !== 'string' || !USES.has(use) || typeof key.kty !== 'string' || !KNOWN_KTY.has(key.kty)) {
      continue; // Ignored, as the SPIFFE bundle format says.
    }
    if (use === 'x509-svid') {
      const cert = x509Authority(i, key);
      if (!x509.some((c) => sameBytes(c.der, cert.der))) x509.push(cert);
      if (x509.length > MAX_BUNDLE_CERTIFICATES) {
        throw new PkiError(
          'ERR_INPUT_TOO_LARGE',
          `a SPIFFE bundle holds at most ${MAX_BUNDLE_CERTIFICATES} X.509 authorities`,
        );
      }
    } else (use === 'jwt-svid' ? jwt : wit).add(i, key);
  }
  return Object.freeze({
    trustDomain,
    x509Authorities: Object.freeze(x509),
    jwtAuthorities: jwt.list(),
    witAuthorities: wit.list(),
    sequence,
    refreshHint: hintSeconds === undefined ? undefined : hintSeconds * 1000,
  });
}

/** The public keys of one `use`, by `kid`. */
class Authorities {
  readonly #use: KeyUse;
  readonly #keys: SpiffeJwk[] = [];

  constructor(use: KeyUse) {
    this.#use = use;
  }

  add(index: number, key: Readonly<Record<string, unknown>>): void {
    const kid = key.kid;
    if (typeof kid !== 'string' || kid === '') {
      throw keyError(index, this.#use, `keyID cannot be empty: a ${this.#use} key needs a "kid"`);
    }
    const read = readPublicJwk(key);
    if (typeof read === 'string') throw keyError(index, this.#use, read);
    const jwk = Object.freeze({ ...read.jwk, kid }) as SpiffeJwk;
    const same = this.#keys.find((k) => k.kid === kid);
    if (same !== undefined) {
      if (sameJwk(same, jwk)) return;
      throw keyError(
        index,
        this.#use,
        `another ${this.#use} key holds kid ${JSON.stringify(kid)} with other material`,
      );
    }
    if (this.#keys.length === MAX_SPIFFE_BUNDLE_KEYS) {
      throw new PkiError(
        'ERR_INPUT_TOO_LARGE',
        `a SPIFFE bundle holds at most ${MAX_SPIFFE_BUNDLE_KEYS} ${this.#use} keys`,
      );
    }
    this.#keys.push(jwk);
  }

  list(): readonly SpiffeJwk[] {
    return Object.freeze([...this.#keys]);
  }
}

function sameJwk(a: SpiffeJwk, b: SpiffeJwk): boolean {
  return JSON.stringify(canonicalJwk(a)) === JSON.stringify(canonicalJwk(b));
}

/** The certificate of an `x509-svid` key: one in `x5c`, whose key the JWK members must give. */
function x509Authority(index: number, key: Readonly<Record<string, unknown>>): Certificate {
  const x5c = key.x5c;
  if (!Array.isArray(x5c)) throw keyError(index, 'x509-svid', 'no "x5c" array');
  if (x5c.length !== 1) {
    throw keyError(index, 'x509-svid', `expected a single certificate in x5c; got ${x5c.length}`);
  }
  const text: unknown = x5c[0];
  if (typeof text !== 'string') throw keyError(index, 'x509-svid', 'x5c[0] is not a string');
  let cert: Certificate;
  try {
    cert = parseCertificate(base64Decode(text));
  } catch (e) {
    if (!isPkiError(e)) throw e;
    throw keyError(index, 'x509-svid', `x5c[0] is not a certificate: ${e.message}`, e);
  }
  const read: JwkKey | string = readPublicJwk(key);
  if (typeof read === 'string') throw keyError(index, 'x509-svid', read);
  if (!jwkMatchesSpki(read, cert.publicKey)) {
    throw keyError(index, 'x509-svid', "the JWK's public key is not the one of its x5c certificate");
  }
  return cert;
}

/** `ERR_SPIFFE_BUNDLE_KEY` naming the key by index and use. */
function keyError(index: number, use: KeyUse | undefined, reason: string, cause?: unknown): PkiError {
  const which = use === undefined ? `key ${index}` : `key ${index} (${use})`;
  return new PkiError(
    'ERR_SPIFFE_BUNDLE_KEY',
    `${which}: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

function invalidDoc(reason: string, cause?: unknown): PkiError {
  return new PkiError(
    'ERR_SPIFFE_BUNDLE_INVALID',
    `not a SPIFFE bundle: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** A top-level whole-number member, `undefined` when absent or `null`. */
function wholeMember(value: unknown, member: string, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    const shown =
      typeof value === 'number' ? String(value) : `a ${Array.isArray(value) ? 'list' : typeof value}`;
    throw invalidDoc(`"${member}" must be a whole number from 0 to ${max}, got ${shown}`);
  }
  return value;
}

/** The document as a JSON object (a copy: a parsed value given is serialised and parsed again). */
function documentObject(document: unknown): Record<string, unknown> {
  let text: string;
  if (typeof document === 'string') text = document;
  else if (document instanceof Uint8Array) {
    if (document.length > MAX_SPIFFE_BUNDLE_LENGTH) throw tooLarge(document.length);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(document);
    } catch (e) {
      throw invalidDoc('the bytes are not UTF-8', e);
    }
  } else if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    try {
      text = JSON.stringify(document);
    } catch (e) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'document is an object JSON cannot write', { cause: e });
    }
  } else {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'document must be JSON text, its UTF-8 bytes or a parsed object',
    );
  }
  if (text.length > MAX_SPIFFE_BUNDLE_LENGTH) throw tooLarge(text.length);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidDoc('the document is not JSON', e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidDoc('the document is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function tooLarge(length: number): PkiError {
  return new PkiError(
    'ERR_INPUT_TOO_LARGE',
    `a SPIFFE bundle document is at most ${MAX_SPIFFE_BUNDLE_LENGTH} long, not ${length}`,
  );
}

/** The named fields of an options object, each read once; `ERR_INVALID_ARGUMENT` for anything else. */
export function readOptions<K extends string>(
  options: unknown,
  fnName: string,
  names: readonly K[],
): Record<K, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${fnName} takes an options object`);
  }
  const out = {} as Record<K, unknown>;
  try {
    for (const name of names) out[name] = (options as Record<string, unknown>)[name];
  } catch (e) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${fnName}: the options could not be read`, { cause: e });
  }
  return out;
}

/**
 * Options of {@link writeSpiffeBundle}.
 *
 * @example
 * ```ts
 * const options: WriteSpiffeBundleOptions = { bundle: anchorsPem, sequence: 1, refreshHint: '5m' };
 * ```
 */
export interface WriteSpiffeBundleOptions {
  /**
   * The X.509 authorities: trust anchors in any `TrustBundleInput` form (an empty list for none), or a
   * parsed {@link SpiffeBundle}, whose JWT and WIT authorities, sequence and refresh hint are then written
   * too unless given here.
   */
  readonly bundle: TrustBundleInput | SpiffeBundle;
  /** `jwt-svid` keys: public JWKs, each with a `kid`. */
  readonly jwtAuthorities?: readonly SpiffeJwk[];
  /** `wit-svid` keys: public JWKs, each with a `kid`. */
  readonly witAuthorities?: readonly SpiffeJwk[];
  /** `spiffe_sequence`: a whole number from 0 to 2^53 - 1. */
  readonly sequence?: number;
  /** `spiffe_refresh_hint`: whole seconds, as milliseconds or Go duration text (`'5m'`). */
  readonly refreshHint?: DurationInput;
}

/**
 * Writes a SPIFFE bundle document: `keys` (the X.509 authorities in bundle order, duplicates dropped, each
 * an `x509-svid` key with its public JWK members and the certificate in `x5c`; then the `jwt-svid` keys,
 * then the `wit-svid` keys, each sorted by `kid`), then `spiffe_refresh_hint` (seconds) and
 * `spiffe_sequence` when given. Members are in one canonical order (`use`, `kty`, `kid`, `crv`, `alg`,
 * `x`, `y`, `n`, `e`, `x5c`), two-space indented, with a final newline, so the same bundle always writes
 * the same bytes. {@link parseSpiffeBundle} reads it back to the same bundle.
 *
 * Throws `ERR_INVALID_ARGUMENT` without `bundle`, `ERR_SPIFFE_BUNDLE_INVALID` for an anchor whose key has
 * no JWK form (EC on a curve other than P-256/384/521) or a refresh hint that is not whole seconds,
 * `ERR_SPIFFE_BUNDLE_KEY` for a JWT or WIT key that is not a public JWK with a `kid`, and the trust
 * bundle's own errors.
 *
 * @example
 * ```ts
 * const document = writeSpiffeBundle({ bundle: readFileSync('ca.crt', 'utf8'), sequence: 1, refreshHint: '5m' });
 * // Rotated: the same bundle with one more anchor and the next sequence number.
 * const next = writeSpiffeBundle({ bundle: [currentAnchorPem, nextAnchorPem], sequence: 2, refreshHint: '5m' });
 * ```
 */
export function writeSpiffeBundle(options: WriteSpiffeBundleOptions): string {
  const o = readOptions(options, 'writeSpiffeBundle', [
    'bundle',
    'jwtAuthorities',
    'witAuthorities',
    'sequence',
    'refreshHint',
  ]);
  if (o.bundle === undefined || o.bundle === null) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'writeSpiffeBundle needs bundle (an empty list for no X.509 authority)',
    );
  }
  const from = isSpiffeBundle(o.bundle) ? o.bundle : undefined;
  const anchors = from !== undefined ? from.x509Authorities : anchorsOf(o.bundle as TrustBundleInput);
  const jwt = o.jwtAuthorities ?? from?.jwtAuthorities ?? [];
  const wit = o.witAuthorities ?? from?.witAuthorities ?? [];
  const sequence = o.sequence ?? from?.sequence;
  const hint = o.refreshHint ?? from?.refreshHint;
  const keys: Record<string, unknown>[] = [];
  const seen: Uint8Array[] = [];
  for (const [i, cert] of anchors.entries()) {
    if (seen.some((d) => sameBytes(d, cert.der))) continue;
    seen.push(cert.der);
    const jwk = spkiJwk(cert.publicKey);
    if (jwk === undefined) throw invalidDoc(`anchor ${i}: its public key has no JWK form`);
    keys.push({ use: 'x509-svid', ...canonicalJwk(jwk), x5c: [base64Encode(cert.der)] });
  }
  keys.push(...jwtKeys(jwt, 'jwt-svid'), ...jwtKeys(wit, 'wit-svid'));
  const doc: Record<string, unknown> = { keys };
  if (hint !== undefined) {
    const ms = durationMs(hint as DurationInput, 'refreshHint', 'ERR_DURATION_INVALID', 0);
    if (ms % 1000 !== 0) throw invalidDoc(`spiffe_refresh_hint is whole seconds; ${ms} ms is not`);
    doc.spiffe_refresh_hint = ms / 1000;
  }
  if (sequence !== undefined) {
    if (!Number.isSafeInteger(sequence) || (sequence as number) < 0) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'sequence must be a whole number from 0 to 2^53 - 1');
    }
    doc.spiffe_sequence = sequence;
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Whether `value` is a parsed {@link SpiffeBundle} (or has its shape). */
export function isSpiffeBundle(value: unknown): value is SpiffeBundle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Partial<Record<keyof SpiffeBundle, unknown>>;
  return Array.isArray(v.x509Authorities) && Array.isArray(v.jwtAuthorities);
}

/** Parsed private copies of the anchors of `bundle`; an empty list is no anchor. */
function anchorsOf(bundle: TrustBundleInput): readonly Certificate[] {
  if (Array.isArray(bundle) && bundle.length === 0) return [];
  return createTrustStore(bundle).anchors;
}

/** The keys of one use, validated, sorted by `kid`, in canonical member order. */
function jwtKeys(input: unknown, use: KeyUse): Record<string, unknown>[] {
  if (!Array.isArray(input)) throw new PkiError('ERR_INVALID_ARGUMENT', `the ${use} keys must be a list`);
  const keys = new Authorities(use);
  for (const [i, key] of input.entries()) {
    if (typeof key !== 'object' || key === null || Array.isArray(key))
      throw keyError(i, use, 'not a JWK object');
    keys.add(i, key as Record<string, unknown>);
  }
  return [...keys.list()]
    .sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
    .map((k) => ({ use, ...canonicalJwk(k) }));
}
