/**
 * Public JSON Web Keys (RFC 7517/7518, RFC 8037) as SPIFFE bundle documents carry them: read strictly
 * (minimal base64url, coordinates of their curve's size, points on the curve, no private members), written
 * from a certificate's SubjectPublicKeyInfo, and compared with one.
 *
 * @module
 */
import { ecPointProblem } from '../crypto/point';
import { concat, DerReader, readIntegerBytes, sameBytes, TAG } from '../der';
import { base64UrlDecode, base64UrlEncode } from '../pem';
import type { PublicKeyInfo } from '../x509/types';

/**
 * A public JWK as a SPIFFE bundle keeps it: only public members, in their canonical order when written.
 * EC keys have `crv`, `x`, `y`; RSA keys `n`, `e`; OKP keys (Ed25519) `crv`, `x`. Frozen.
 *
 * @example
 * ```ts
 * const jwk: SpiffeJwk = { kty: 'EC', kid: 'C6vs25welZOx6WksNYfbMfiw9l96pMnD', crv: 'P-256', x: '…', y: '…' };
 * ```
 */
export interface SpiffeJwk {
  /** Key type: `EC`, `RSA` or `OKP`. */
  readonly kty: string;
  /** Key ID; `jwt-svid` and `wit-svid` keys require one. */
  readonly kid: string;
  /** Curve of an EC or OKP key. */
  readonly crv?: string;
  /** Algorithm, when the document names one. */
  readonly alg?: string;
  /** x coordinate (EC) or public key (OKP), base64url. */
  readonly x?: string;
  /** y coordinate (EC), base64url. */
  readonly y?: string;
  /** RSA modulus, base64url. */
  readonly n?: string;
  /** RSA public exponent, base64url. */
  readonly e?: string;
}

/** The key types a bundle may hold; other `kty` values are ignored, as the SPIFFE bundle format says. */
export const KNOWN_KTY: ReadonlySet<string> = new Set(['EC', 'RSA', 'OKP', 'oct']);

/** Members that carry private or symmetric key material: a bundle never holds them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const EC_SIZES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const OKP_SIZES: Readonly<Record<string, number>> = { Ed25519: 32, Ed448: 57 };

/** A key's public material, read from a JWK: what is compared with a certificate's key. */
export interface JwkKey {
  /** The normalised public JWK (without `kid` when it had none). */
  readonly jwk: Omit<SpiffeJwk, 'kid'> & { readonly kid?: string };
  /** EC: the uncompressed point; OKP: the key bytes; RSA: undefined. */
  readonly point: Uint8Array | undefined;
  /** RSA: modulus and exponent (minimal, unsigned). */
  readonly rsa: { readonly n: Uint8Array; readonly e: Uint8Array } | undefined;
}

/**
 * Reads the public key of a JWK object (its `kty` one of {@link KNOWN_KTY}); returns the reason as a
 * string when it is not a valid public key. Never puts a member's value in the reason.
 */
export function readPublicJwk(key: Readonly<Record<string, unknown>>): JwkKey | string {
  for (const member of PRIVATE_MEMBERS) {
    if (key[member] !== undefined) {
      return member === 'k'
        ? 'it is a symmetric key ("k"); a bundle holds public keys only'
        : `it holds private key material ("${member}"); a bundle holds public keys only`;
    }
  }
  const kty = key.kty;
  const alg = key.alg;
  if (alg !== undefined && typeof alg !== 'string') return '"alg" is not a string';
  const base = alg === undefined ? {} : { alg };
  if (kty === 'oct') return 'it is a symmetric key (kty "oct"); a bundle holds public keys only';
  if (kty === 'EC') {
    const crv = key.crv;
    const size = typeof crv === 'string' ? EC_SIZES[crv] : undefined;
    if (typeof crv !== 'string' || size === undefined) return 'an EC key is on P-256, P-384 or P-521';
    const x = coordinate(key.x, size, 'x');
    if (typeof x === 'string') return x;
    const y = coordinate(key.y, size, 'y');
    if (typeof y === 'string') return y;
    const point = concat([new Uint8Array([4]), x, y]);
    const bad = ecPointProblem(crv, point);
    if (bad !== undefined) return `not a ${crv} public key: ${bad}`;
    return {
      jwk: { kty, crv, ...base, x: key.x as string, y: key.y as string },
      point,
      rsa: undefined,
    };
  }
  if (kty === 'OKP') {
    const crv = key.crv;
    const size = typeof crv === 'string' ? OKP_SIZES[crv] : undefined;
    if (typeof crv !== 'string' || size === undefined) return 'an OKP key is on Ed25519 or Ed448';
    const x = coordinate(key.x, size, 'x');
    if (typeof x === 'string') return x;
    return { jwk: { kty, crv, ...base, x: key.x as string }, point: x, rsa: undefined };
  }
  if (kty === 'RSA') {
    const n = unsignedMember(key.n, 'n');
    if (typeof n === 'string') return n;
    const e = unsignedMember(key.e, 'e');
    if (typeof e === 'string') return e;
    return { jwk: { kty, ...base, n: key.n as string, e: key.e as string }, point: undefined, rsa: { n, e } };
  }
  return 'unknown key type';
}

/** A fixed-size base64url member, or why it is not one. */
function coordinate(value: unknown, size: number, member: string): Uint8Array | string {
  if (typeof value !== 'string') return `"${member}" is missing`;
  const bytes = decode(value);
  if (bytes === undefined) return `"${member}" is not base64url`;
  if (bytes.length !== size) return `"${member}" is ${bytes.length} bytes, not ${size}`;
  return bytes;
}

/** A minimal unsigned base64url integer member (RSA `n`, `e`), or why it is not one. */
function unsignedMember(value: unknown, member: string): Uint8Array | string {
  if (typeof value !== 'string') return `"${member}" is missing`;
  const bytes = decode(value);
  if (bytes === undefined) return `"${member}" is not base64url`;
  if (bytes.length === 0 || bytes[0] === 0) return `"${member}" is not a minimal positive integer`;
  return bytes;
}

function decode(text: string): Uint8Array | undefined {
  try {
    return base64UrlDecode(text);
  } catch {
    return undefined;
  }
}

/** Whether the public key of `jwk` is the certificate's. */
export function jwkMatchesSpki(key: JwkKey, spki: PublicKeyInfo): boolean {
  const { kty, crv } = key.jwk;
  if (kty === 'EC') return spki.kind === 'ec' && spki.curve === crv && sameBytes(spki.key, key.point!);
  if (kty === 'OKP') return crv === 'Ed25519' && spki.kind === 'ed25519' && sameBytes(spki.key, key.point!);
  if (kty === 'RSA' && spki.kind === 'rsa') {
    const rsa = rsaParts(spki.key);
    return sameBytes(rsa.n, key.rsa!.n) && sameBytes(rsa.e, key.rsa!.e);
  }
  return false;
}

/**
 * The public JWK members of a certificate's key (no `kid`), or `undefined` when it has no JWK form here
 * (an EC key on another curve, an unknown algorithm).
 */
export function spkiJwk(spki: PublicKeyInfo): Omit<SpiffeJwk, 'kid'> | undefined {
  if (spki.kind === 'ec') {
    const size = spki.curve === undefined ? undefined : EC_SIZES[spki.curve];
    if (size === undefined || spki.key.length !== 1 + 2 * size) return undefined;
    return {
      kty: 'EC',
      crv: spki.curve!,
      x: base64UrlEncode(spki.key.subarray(1, 1 + size)),
      y: base64UrlEncode(spki.key.subarray(1 + size)),
    };
  }
  if (spki.kind === 'rsa') {
    const { n, e } = rsaParts(spki.key);
    return { kty: 'RSA', n: base64UrlEncode(n), e: base64UrlEncode(e) };
  }
  if (spki.kind === 'ed25519') return { kty: 'OKP', crv: 'Ed25519', x: base64UrlEncode(spki.key) };
  return undefined;
}

/** The modulus and exponent of an RSAPublicKey, without their sign octets. */
function rsaParts(der: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const seq = new DerReader(der).enterNext(TAG.SEQUENCE, 'RSAPublicKey');
  const n = readIntegerBytes(seq, 'RSA modulus');
  const e = readIntegerBytes(seq, 'RSA exponent');
  const strip = (b: Uint8Array) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);
  return { n: strip(n), e: strip(e) };
}

/**
 * A public JWK with its members in canonical order (`kty`, `kid`, `crv`, `alg`, `x`, `y`, `n`, `e`), as a
 * bundle writes it after `use`.
 */
export function canonicalJwk(
  jwk: Omit<SpiffeJwk, 'kid'> & { readonly kid?: string },
): Record<string, string> {
  const out: Record<string, string> = { kty: jwk.kty };
  for (const member of ['kid', 'crv', 'alg', 'x', 'y', 'n', 'e'] as const) {
    const value = jwk[member];
    if (value !== undefined) out[member] = value;
  }
  return out;
}
