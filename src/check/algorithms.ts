import type { Certificate, SignatureAlgorithm } from '../x509/types';

/** Go's `x509.SignatureAlgorithm.String()` for `alg`, the OID when Go has no name for it. */
function goSignatureName(alg: SignatureAlgorithm): string {
  const hash = alg.hash?.replace('-', '');
  switch (alg.kind) {
    case 'ecdsa':
      return `ECDSA-${hash}`;
    case 'rsa-pkcs1':
      return `${hash}-RSA`;
    case 'rsa-pss':
      return `${hash}-RSAPSS`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return alg.oid;
  }
}

/** Go's `x509.PublicKeyAlgorithm.String()` for the certificate's key. */
function goKeyAlgorithmName(cert: Certificate): string {
  const names = { ec: 'ECDSA', rsa: 'RSA', ed25519: 'Ed25519' } as const;
  const kind = cert.publicKey.kind;
  return kind === 'unknown' ? cert.publicKey.algorithmOid : names[kind];
}

const ECDSA_SHA256 = 'ECDSA-SHA256';
const SHA256_RSA = 'SHA256-RSA';

function p256Problem(cert: Certificate): string | undefined {
  const curve = cert.publicKey.curve;
  return curve === 'P-256' ? undefined : `must use P-256 curve for public key, instead ${curve} was used`;
}

function signatureProblem(cert: Certificate, allowed: readonly string[]): string | undefined {
  const used = goSignatureName(cert.signatureAlgorithm);
  return allowed.includes(used)
    ? undefined
    : `must be signed with ${allowed.join(' or ')}, instead ${used} was used`;
}

/**
 * Why a trust anchor's algorithms are not supported, `undefined` when they are: an ECDSA P-256 key signed
 * with ECDSA-SHA256 or SHA256-RSA, or an RSA 2048 or 4096-bit key signed with SHA256-RSA. Algorithm names
 * are Go's, as `linkerd check` prints them.
 *
 * @example
 * ```ts
 * anchorAlgorithmProblem(p521Anchor); // 'must use P-256 curve for public key, instead P-521 was used'
 * ```
 */
export function anchorAlgorithmProblem(cert: Certificate): string | undefined {
  switch (cert.publicKey.kind) {
    case 'ec':
      return p256Problem(cert) ?? signatureProblem(cert, [ECDSA_SHA256, SHA256_RSA]);
    case 'rsa': {
      const bits = cert.publicKey.rsaBits;
      if (bits !== 2048 && bits !== 4096)
        return `must use a 2048 or 4096 bit RSA key, instead a ${bits} bit key was used`;
      return signatureProblem(cert, [SHA256_RSA]);
    }
    default:
      return `must use RSA or ECDSA for public key algorithm, instead ${goKeyAlgorithmName(cert)} was used`;
  }
}

/**
 * Why an issuer certificate's algorithms are not supported, `undefined` when they are: an ECDSA P-256 key,
 * signed with ECDSA-SHA256 or (by an RSA anchor) SHA256-RSA.
 *
 * @example
 * ```ts
 * issuerAlgorithmProblem(rsaIssuer); // 'must use ECDSA for public key algorithm, instead RSA was used'
 * ```
 */
export function issuerAlgorithmProblem(cert: Certificate): string | undefined {
  if (cert.publicKey.kind !== 'ec')
    return `must use ECDSA for public key algorithm, instead ${goKeyAlgorithmName(cert)} was used`;
  return p256Problem(cert) ?? signatureProblem(cert, [ECDSA_SHA256, SHA256_RSA]);
}
