/**
 * The algorithm policy, close to rustls-webpki's and the CA/Browser Forum's:
 * - keys: ECDSA on P-256 or P-384 (named curves only), RSA with a 2048 to 8192-bit modulus that is a whole
 *   number of bytes;
 * - signatures: ECDSA with SHA-256 or SHA-384 (either curve), RSA PKCS#1 v1.5 or RSA-PSS with SHA-256,
 *   SHA-384 or SHA-512 (PSS with MGF1 of the same hash and a salt as long as the hash).
 * Everything else is refused: SHA-1, MD5, P-521, explicit curve parameters, DSA, and Ed25519 (no
 * WebCrypto-wide support, and Linkerd never issues it).
 */
import type { HashName, PublicKeyInfo, SignatureAlgorithm } from '../x509/types';
import { type Problem, problem } from './result';

const EC_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384']);
const ECDSA_HASHES: ReadonlySet<HashName> = new Set(['SHA-256', 'SHA-384']);
const RSA_HASHES: ReadonlySet<HashName> = new Set(['SHA-256', 'SHA-384', 'SHA-512']);
const HASH_BYTES: Readonly<Partial<Record<HashName, number>>> = {
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

/** Smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus accepted, in bits (bigger keys only make verification slow). */
export const MAX_RSA_BITS = 8192;

/** Why `key` may not appear on a path, or `undefined` when it may. */
export function keyProblem(key: PublicKeyInfo): Problem | undefined {
  switch (key.kind) {
    case 'ec':
      if (key.curve === undefined)
        return problem('UNSUPPORTED_ALGORITHM', 'EC key with explicit curve parameters');
      return EC_CURVES.has(key.curve)
        ? undefined
        : problem('UNSUPPORTED_ALGORITHM', `EC curve ${key.curve} is not supported (P-256 and P-384 are)`);
    case 'rsa':
      return rsaKeyProblem(key.rsaBits ?? 0);
    case 'ed25519':
      return problem('UNSUPPORTED_ALGORITHM', 'Ed25519 keys are not supported');
    default:
      return problem('UNSUPPORTED_ALGORITHM', `public key algorithm ${key.algorithmOid} is not supported`);
  }
}

function rsaKeyProblem(bits: number): Problem | undefined {
  if (bits < MIN_RSA_BITS)
    return problem('WEAK_KEY', `RSA key of ${bits} bits (at least ${MIN_RSA_BITS} needed)`);
  if (bits > MAX_RSA_BITS) {
    return problem('UNSUPPORTED_ALGORITHM', `RSA key of ${bits} bits (at most ${MAX_RSA_BITS} accepted)`);
  }
  return bits % 8 === 0
    ? undefined
    : problem('WEAK_KEY', `RSA modulus of ${bits} bits is not a whole number of bytes`);
}

/**
 * Why a signature made with `alg` by `issuerKey` is not accepted, or `undefined` when it is. The key
 * itself is checked by {@link keyProblem}.
 */
export function signatureAlgorithmProblem(
  alg: SignatureAlgorithm,
  issuerKey: PublicKeyInfo,
): Problem | undefined {
  const hash = alg.hash;
  if (hash === undefined) return refused(alg);
  switch (alg.kind) {
    case 'ecdsa':
      if (!ECDSA_HASHES.has(hash)) return refused(alg);
      return issuerKey.kind === 'ec' ? undefined : keyMismatch(alg, issuerKey);
    case 'rsa-pkcs1':
      if (!RSA_HASHES.has(hash)) return refused(alg);
      return issuerKey.kind === 'rsa' ? undefined : keyMismatch(alg, issuerKey);
    case 'rsa-pss':
      if (!RSA_HASHES.has(hash) || alg.saltLength !== HASH_BYTES[hash]) return refused(alg);
      return issuerKey.kind === 'rsa' ? undefined : keyMismatch(alg, issuerKey);
    default:
      return refused(alg);
  }
}

function refused(alg: SignatureAlgorithm): Problem {
  return problem('UNSUPPORTED_ALGORITHM', `signature algorithm ${alg.name} is not accepted`);
}

function keyMismatch(alg: SignatureAlgorithm, key: PublicKeyInfo): Problem {
  return problem(
    'UNSUPPORTED_ALGORITHM',
    `signature algorithm ${alg.name} does not fit the issuer's ${key.kind} key`,
  );
}
