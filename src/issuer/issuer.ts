import { type CertificateAuthority, DEFAULT_CLOCK_SKEW_MS } from '../anchor/anchor';
import { sameBytes } from '../der';
import type { DurationInput } from '../duration';
import { PkiError } from '../errors';
import { generateKeyPair, importPrivateKey, isP256, type KeyInput, PrivateKey } from '../keys';
import { encodePem } from '../pem';
import {
  optionalArray,
  optionalNumber,
  optionalString,
  requireAuthority,
  requireCertificate,
  requireNumber,
  requireObject,
  requireOptions,
  requireSigningKey,
} from '../validate';
import {
  authorityKeyIdExtension,
  caBasicConstraints,
  encodeCommonNameOnly,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtension,
} from '../x509/encode';
import { type CertificateInput, certificateList, toCertificate } from '../x509/input';
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
  /** The CA that signs the issuer: a trust anchor or another issuer, in any {@link IssuerInput} form. */
  readonly anchor: IssuerInput;
  /** The issuer's key, in any {@link KeyInput} form; a new P-256 key by default. */
  readonly key?: KeyInput;
  /** Subject CN. Default `identity.linkerd.cluster.local`. */
  readonly commonName?: string;
  /** Lifetime: whole milliseconds or Go duration text (`'24h'`), more than zero. Default 8,760 h. */
  readonly lifetime?: DurationInput;
  /** basicConstraints pathLenConstraint; `null` for none. Default 0. */
  readonly pathLen?: number | null;
  /** Clock-skew allowance: whole milliseconds or Go duration text, zero or more. Default 10 s. */
  readonly clockSkew?: DurationInput;
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
  const anchor = toIssuer(options.anchor, '`anchor`');
  const key = options.key === undefined ? undefined : importPrivateKey(options.key);
  optionalString(options.commonName, '`commonName`');
  if (options.pathLen !== null) optionalNumber(options.pathLen, '`pathLen`');
  const lifetime = checkLifetime(options.lifetime ?? DEFAULT_ISSUER_LIFETIME_MS, 'issuer lifetime');
  const now = nowMs(options);
  const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'issuer', now, lifetime);
  requireSigner(anchor.certificate, anchor.key, now);
  const commonName = options.commonName ?? DEFAULT_ISSUER_COMMON_NAME;
  const subject = encodeCommonNameOnly(commonName);
  checkPathLength(anchor, subject);
  const issuerKey = key ?? (await generateKeyPair(options.random ? { random: options.random } : {}));
  const wanted = wholeSeconds(now + lifetime + skew);
  const limit = anchor.certificate.notAfter.getTime();
  const extensions = [
    keyUsageExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign),
    caBasicConstraints(options.pathLen === undefined ? 0 : options.pathLen),
    subjectKeyIdExtension(await keyIdentifier(issuerKey.publicKey.point)),
  ];
  if (anchor.certificate.subjectKeyId)
    extensions.push(authorityKeyIdExtension(anchor.certificate.subjectKeyId));
  // A DNS SAN equal to the CN, although current `linkerd install` makes its CAs without one and
  // `linkerd check` has not checked the issuer's name since 2020 (linkerd2 #5237). Kept on purpose: the
  // issuers Linkerd's guides make carry it (`step certificate create` adds the subject as a SAN, and the
  // guide's cert-manager Certificate lists `dnsNames`), clusters with a pre-2.9 `linkerd check` still
  // verify the issuer for that name. Proxies never read it.
  extensions.push(subjectAltNameExtension({ dns: [commonName] }));
  const issued = await signCertificate(
    {
      serial: serialBytes(options),
      issuer: anchor.certificate.subject.der,
      subject,
      notBefore: wholeSeconds(now - skew),
      notAfter: Math.min(wanted, limit),
      spki: issuerKey.publicKey.spki,
      extensions,
    },
    anchor.key,
    options,
  );
  return {
    ...issued,
    key: issuerKey,
    chain: [anchor.certificate, ...anchor.chain],
    notAfterCut: wanted > limit,
  };
}

/** Options of {@link checkSigner}. */
export interface CheckSignerOptions {
  /** The CA about to sign, in any {@link IssuerInput} form (a trust anchor or an issuer). */
  readonly issuer: IssuerInput;
  /** When it would sign. Default: the current time. */
  readonly now?: Date;
}

/**
 * Refuses to sign with a CA that is not a CA (`ERR_ISSUER_NOT_CA`), whose key does not match
 * (`ERR_KEY_MISMATCH`), or that is not valid at `now` (`ERR_ISSUER_NOT_YET_VALID`, `ERR_ISSUER_EXPIRED`).
 *
 * @example
 * ```ts
 * checkSigner({ issuer, now: new Date() }); // throws when it may not sign now
 * checkSigner({ issuer: { certificate: tlsCrt, key: tlsKey } });
 * ```
 */
export function checkSigner(options: CheckSignerOptions): void {
  requireOptions(options, 'checkSigner');
  const signer = toIssuer(options.issuer, '`issuer`');
  requireSigner(signer.certificate, signer.key, nowMs(options));
}

/**
 * {@link checkSigner} for a certificate and key already read, at `now` in milliseconds (the issuing path).
 *
 * @example
 * ```ts
 * requireSigner(issuer.certificate, issuer.key, Date.now());
 * ```
 */
export function requireSigner(cert: Certificate, key: PrivateKey, now: number): void {
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
function checkPathLength(signer: Issuer, subject: Uint8Array): void {
  const above = [signer.certificate, ...signer.chain];
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

/**
 * An issuer in any form l5d-pki accepts: an {@link Issuer} (or a trust anchor) made by the library, or its
 * certificate and key in any of their forms. `certificate` may be PEM text holding the issuer followed by
 * the certificates above it (as `tls.crt` does); `chain` adds more, nearest first.
 *
 * @example
 * ```ts
 * const fromSecret: IssuerInput = { certificate: tlsCrt, key: tlsKey };
 * const made: IssuerInput = await createIssuer({ anchor });
 * ```
 */
export type IssuerInput =
  | Issuer
  | {
      readonly certificate: CertificateInput;
      readonly key: KeyInput;
      readonly chain?: readonly CertificateInput[];
    };

/** Whether `input` is an issuer as the library hands it out, usable without reading it again. */
function isMadeIssuer(input: object): input is Issuer {
  const i = input as Partial<Issuer>;
  if (!(i.key instanceof PrivateKey) || typeof i.pem !== 'string' || !Array.isArray(i.chain)) return false;
  try {
    requireAuthority(input, 'the issuer', PrivateKey);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads an issuer from any {@link IssuerInput}, e.g. the `linkerd-identity-issuer` Secret's `tls.crt` and
 * `tls.key`; an {@link Issuer} made by the library is returned as it is. Refuses a key that does not
 * match the certificate (`ERR_KEY_MISMATCH`), a certificate that is not a CA (`ERR_ISSUER_NOT_CA`), and
 * a non-P-256 issuer key (`ERR_KEY_UNSUPPORTED`). It does not check validity: issuance does, at its `now`.
 *
 * @example
 * ```ts
 * const issuer = loadIssuer({ certificate: tlsCrt, key: tlsKey });
 * ```
 */
export function loadIssuer(input: IssuerInput): Issuer {
  requireOptions(input, 'loadIssuer');
  return toIssuer(input, 'the issuer');
}

/**
 * The {@link Issuer} of an {@link IssuerInput}, as {@link loadIssuer} reads it; `what` names the option in
 * messages (`'`anchor`'`).
 *
 * @example
 * ```ts
 * const signer = toIssuer(options.anchor, '`anchor`');
 * ```
 */
export function toIssuer(input: IssuerInput, what: string): Issuer {
  requireObject(input, what);
  if (isMadeIssuer(input)) return input;
  const given = input as { certificate?: unknown; key?: unknown; chain?: unknown };
  if (given.certificate === undefined)
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what}.certificate is required`);
  if (given.key === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', `${what}.key is required`);
  optionalArray(given.chain, `${what}.chain`);
  const [certificate, ...above] = certificateList(
    given.certificate as CertificateInput,
    `${what}.certificate`,
  );
  const more = (given.chain ?? []) as readonly CertificateInput[];
  const chain = [...above, ...more.map((c) => toCertificate(c))];
  const key = importPrivateKey(given.key as KeyInput);
  if (!isP256(certificate!.publicKey))
    throw new PkiError('ERR_KEY_UNSUPPORTED', 'the issuer certificate is not for a P-256 key');
  if (!key.publicKey.equals(certificate!.publicKey)) {
    throw new PkiError('ERR_KEY_MISMATCH', 'the issuer key does not match the issuer certificate');
  }
  if (!certificate!.basicConstraints?.ca)
    throw new PkiError('ERR_ISSUER_NOT_CA', 'the issuer certificate is not a CA');
  return {
    certificate: certificate!,
    der: certificate!.der,
    pem: encodePem('CERTIFICATE', certificate!.der),
    key,
    chain,
    notAfterCut: false,
  };
}
