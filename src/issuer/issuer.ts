import { type CertificateAuthority, DEFAULT_CLOCK_SKEW_MS } from '../anchor/anchor';
import { sameBytes } from '../der';
import { PkiError } from '../errors';
import { generateKeyPair, importPrivateKey, isP256, PrivateKey } from '../keys';
import { decodePem, encodePem } from '../pem';
import {
  optionalNumber,
  optionalString,
  requireAuthority,
  requireCertificate,
  requireNumber,
  requireOptions,
  requireSigningKey,
  requireString,
} from '../validate';
import { parseCertificate } from '../x509/certificate';
import {
  authorityKeyIdExtension,
  caBasicConstraints,
  encodeCommonNameOnly,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtension,
} from '../x509/encode';
import {
  checkClockSkew,
  checkLifetime,
  keyIdentifier,
  type MintOptions,
  nowMs,
  serialBytes,
  signCertificate,
  wholeSeconds,
} from '../x509/mint';
import { type Certificate, KeyUsage } from '../x509/types';

/** One year, Linkerd's default issuer lifetime. */
export const DEFAULT_ISSUER_LIFETIME_MS = 8_760 * 3_600_000;
/** The issuer CN Linkerd expects. */
export const DEFAULT_ISSUER_COMMON_NAME = 'identity.linkerd.cluster.local';

/** An intermediate CA that signs workload leaves: certificate, key and the chain above it. */
export interface Issuer extends CertificateAuthority {
  /** The certificates above the issuer, nearest first (usually just the anchor). */
  readonly chain: readonly Certificate[];
  /** True when notAfter was cut to the signer's notAfter. */
  readonly notAfterCut: boolean;
}

/** Options of {@link createIssuer}. */
export interface IssuerOptions extends MintOptions {
  /** The CA that signs the issuer: a trust anchor, or another issuer. */
  readonly anchor: CertificateAuthority | Issuer;
  /** The issuer's key; a new P-256 key by default. */
  readonly key?: PrivateKey;
  /** Subject CN. Default `identity.linkerd.cluster.local`. */
  readonly commonName?: string;
  /** Lifetime in whole milliseconds, more than zero. Default 8,760 h. */
  readonly lifetime?: number;
  /** basicConstraints pathLenConstraint; `null` for none. Default 0. */
  readonly pathLen?: number | null;
  /** Clock-skew allowance in milliseconds: a whole number, zero or more. Default 10 s. */
  readonly clockSkew?: number;
}

/**
 * Makes an issuer (intermediate CA) signed by `anchor`: CA:TRUE pathLen 0, keyUsage keyCertSign|cRLSign
 * (critical), subjectKeyIdentifier, authorityKeyIdentifier = the anchor's SKI, and its CN as a DNS SAN
 * (as Linkerd's own issuers have, and `linkerd check` verifies). Its notAfter never passes
 * the anchor's: it is cut, and `notAfterCut` says so. A signer whose pathLen (or that of a CA above it)
 * leaves no room for another CA is refused with `ERR_ISSUER_CHAIN`.
 *
 * @example
 * ```ts
 * const anchor = await createTrustAnchor();
 * const issuer = await createIssuer({ anchor });
 * issuer.certificate.basicConstraints; // { ca: true, pathLen: 0 }
 * ```
 */
export async function createIssuer(options: IssuerOptions): Promise<Issuer> {
  requireOptions(options, 'createIssuer');
  requireAuthority(options.anchor, '`anchor`', PrivateKey);
  if (options.key !== undefined) requireSigningKey(options.key, '`key`', PrivateKey);
  optionalString(options.commonName, '`commonName`');
  if (options.pathLen !== null) optionalNumber(options.pathLen, '`pathLen`');
  const { anchor } = options;
  const lifetime = checkLifetime(options.lifetime ?? DEFAULT_ISSUER_LIFETIME_MS, 'issuer lifetime');
  const now = nowMs(options);
  const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'issuer', now, lifetime);
  checkSigner(anchor.certificate, anchor.key, now);
  const commonName = options.commonName ?? DEFAULT_ISSUER_COMMON_NAME;
  const subject = encodeCommonNameOnly(commonName);
  checkPathLength(anchor, subject);
  const key = options.key ?? (await generateKeyPair(options.random ? { random: options.random } : {}));
  const wanted = wholeSeconds(now + lifetime + skew);
  const limit = anchor.certificate.notAfter.getTime();
  const extensions = [
    keyUsageExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign),
    caBasicConstraints(options.pathLen === undefined ? 0 : options.pathLen),
    subjectKeyIdExtension(await keyIdentifier(key.publicKey.point)),
  ];
  if (anchor.certificate.subjectKeyId)
    extensions.push(authorityKeyIdExtension(anchor.certificate.subjectKeyId));
  // Linkerd's issuers carry their name as a DNS SAN too, and `linkerd check` verifies the issuer for it.
  extensions.push(subjectAltNameExtension({ dns: [commonName] }));
  const issued = await signCertificate(
    {
      serial: serialBytes(options),
      issuer: anchor.certificate.subject.der,
      subject,
      notBefore: wholeSeconds(now - skew),
      notAfter: Math.min(wanted, limit),
      spki: key.publicKey.spki,
      extensions,
    },
    anchor.key,
    options,
  );
  const above = 'chain' in anchor ? (anchor as Issuer).chain : [];
  return { ...issued, key, chain: [anchor.certificate, ...above], notAfterCut: wanted > limit };
}

/**
 * Refuses to sign with a CA that is not a CA, whose key does not match, or that is not valid at `now`.
 *
 * @example
 * ```ts
 * checkSigner(issuer.certificate, issuer.key, Date.now()); // throws when it may not sign now
 * ```
 */
export function checkSigner(cert: Certificate, key: PrivateKey, now: number): void {
  requireCertificate(cert, 'the signing certificate');
  requireSigningKey(key, 'the signing key', PrivateKey);
  requireNumber(now, '`now`');
  if (!cert.basicConstraints?.ca) {
    throw new PkiError(
      'ERR_ISSUER_NOT_CA',
      `${describe(cert)} is not a CA (basicConstraints CA:FALSE or absent)`,
    );
  }
  if (cert.keyUsage !== undefined && (cert.keyUsage & KeyUsage.keyCertSign) === 0) {
    throw new PkiError('ERR_ISSUER_NOT_CA', `${describe(cert)} may not sign certificates (no keyCertSign)`);
  }
  if (!key.publicKey.equals(cert.publicKey)) {
    throw new PkiError('ERR_KEY_MISMATCH', `the private key does not match ${describe(cert)}`);
  }
  if (now < cert.notBefore.getTime()) {
    throw new PkiError(
      'ERR_ISSUER_NOT_YET_VALID',
      `${describe(cert)} is not valid before ${cert.notBefore.toISOString()}`,
    );
  }
  if (now > cert.notAfter.getTime()) {
    throw new PkiError('ERR_ISSUER_EXPIRED', `${describe(cert)} expired on ${cert.notAfter.toISOString()}`);
  }
}

/**
 * Refuses a new CA that every validator would reject: a pathLenConstraint of the signer, or of a CA above
 * it, would be exceeded. Self-issued CAs (same subject as their signer) do not count (RFC 5280 §4.2.1.9).
 */
function checkPathLength(signer: CertificateAuthority | Issuer, subject: Uint8Array): void {
  const above = [signer.certificate, ...('chain' in signer ? signer.chain : [])];
  let following = sameBytes(subject, signer.certificate.subject.der) ? 0 : 1;
  for (const ca of above) {
    const limit = ca.basicConstraints?.pathLen;
    if (limit !== undefined && following > limit) {
      throw new PkiError(
        'ERR_ISSUER_CHAIN',
        `${describe(ca)} has pathLen ${limit}, so at most ${limit} CA certificate(s) may follow it; this issuer would make ${following}`,
      );
    }
    if (!ca.selfIssued) following++;
  }
}

function describe(cert: Certificate): string {
  return `CA "${cert.subject.commonName ?? cert.serialHex}"`;
}

/** Inputs of {@link loadIssuer}. */
export interface LoadIssuerInput {
  /** The issuer certificate PEM (`tls.crt`), optionally followed by the certificates above it. */
  readonly certificatePem: string;
  /** The issuer key (`tls.key`): PKCS#8 or SEC1, PEM or DER. */
  readonly key: string | Uint8Array;
  /** More chain certificates (PEM), e.g. intermediates between issuer and anchor. */
  readonly chainPem?: string;
}

/**
 * Loads an existing issuer, e.g. from the `linkerd-identity-issuer` Secret. Refuses a key that does not
 * match the certificate (`ERR_KEY_MISMATCH`), a certificate that is not a CA (`ERR_ISSUER_NOT_CA`), and
 * a non-P-256 issuer key (`ERR_KEY_UNSUPPORTED`). It does not check validity: issuance does, at its `now`.
 *
 * @example
 * ```ts
 * const issuer = loadIssuer({ certificatePem: tlsCrt, key: tlsKey });
 * ```
 */
export function loadIssuer(input: LoadIssuerInput): Issuer {
  requireOptions(input, 'loadIssuer');
  requireString(input.certificatePem, '`certificatePem`');
  optionalString(input.chainPem, '`chainPem`');
  const blocks = decodePem(input.certificatePem + (input.chainPem ?? '')).filter(
    (b) => b.label === 'CERTIFICATE',
  );
  if (blocks.length === 0) throw new PkiError('ERR_CERT_INVALID', 'no CERTIFICATE block in the issuer PEM');
  const [certificate, ...chain] = blocks.map((b) => parseCertificate(b.der)) as [
    Certificate,
    ...Certificate[],
  ];
  const key = importPrivateKey(input.key);
  if (!isP256(certificate.publicKey))
    throw new PkiError('ERR_KEY_UNSUPPORTED', 'the issuer certificate is not for a P-256 key');
  if (!key.publicKey.equals(certificate.publicKey)) {
    throw new PkiError('ERR_KEY_MISMATCH', 'the issuer key does not match the issuer certificate');
  }
  if (!certificate.basicConstraints?.ca)
    throw new PkiError('ERR_ISSUER_NOT_CA', 'the issuer certificate is not a CA');
  return {
    certificate,
    der: certificate.der,
    pem: encodePem('CERTIFICATE', certificate.der),
    key,
    chain,
    notAfterCut: false,
  };
}
