import type { DurationInput } from '../duration';
import { generateKeyPair, PrivateKey } from '../keys';
import { optionalNumber, optionalOptions, optionalString, requireSigningKey } from '../validate';
import {
  caBasicConstraints,
  encodeCommonNameOnly,
  keyUsageExtension,
  subjectKeyIdExtension,
} from '../x509/encode';
import {
  checkClockSkew,
  checkLifetime,
  type IssuedCertificate,
  keyIdentifier,
  type MintOptions,
  nowMs,
  serialBytes,
  signCertificate,
  wholeSeconds,
} from '../x509/mint';
import { KeyUsage } from '../x509/types';

/** Ten years, the lifetime Linkerd's guides recommend for a trust anchor. */
export const DEFAULT_ANCHOR_LIFETIME_MS = 87_600 * 3_600_000;
/** Linkerd's clock-skew allowance: notBefore is backdated by this much. */
export const DEFAULT_CLOCK_SKEW_MS = 10_000;
/** The trust anchor CN in Linkerd's docs. */
export const DEFAULT_ANCHOR_COMMON_NAME = 'root.linkerd.cluster.local';

/** Options of {@link createTrustAnchor}. */
export interface TrustAnchorOptions extends MintOptions {
  /** The anchor's key; a new P-256 key by default. */
  readonly key?: PrivateKey;
  /** Subject (and issuer) CN. Default `root.linkerd.cluster.local`. */
  readonly commonName?: string;
  /** Lifetime: whole milliseconds or Go duration text (`'24h'`), more than zero. Default 87,600 h. */
  readonly lifetime?: DurationInput;
  /** basicConstraints pathLenConstraint; `null` for none, as `linkerd install` makes it. Default 1. */
  readonly pathLen?: number | null;
  /** Clock-skew allowance: whole milliseconds or Go duration text, zero or more. Default 10 s. */
  readonly clockSkew?: DurationInput;
}

/** A certificate authority: its certificate and key (an anchor or an issuer). */
export interface CertificateAuthority extends IssuedCertificate {
  /** The CA's private key. */
  readonly key: PrivateKey;
}

/**
 * Makes a self-signed ECDSA P-256 trust anchor: CA:TRUE (critical) with the chosen pathLen,
 * keyUsage keyCertSign|cRLSign (critical), a subjectKeyIdentifier and no authorityKeyIdentifier;
 * notBefore = now − clock skew, notAfter = now + lifetime + clock skew.
 *
 * @example
 * ```ts
 * const anchor = await createTrustAnchor({ now: new Date('2026-01-01T00:00:00Z') });
 * anchor.certificate.subject.commonName; // 'root.linkerd.cluster.local'
 * ```
 */
export async function createTrustAnchor(options: TrustAnchorOptions = {}): Promise<CertificateAuthority> {
  optionalOptions(options, 'createTrustAnchor');
  if (options.key !== undefined) requireSigningKey(options.key, '`key`', PrivateKey);
  optionalString(options.commonName, '`commonName`');
  if (options.pathLen !== null) optionalNumber(options.pathLen, '`pathLen`');
  const lifetime = checkLifetime(options.lifetime ?? DEFAULT_ANCHOR_LIFETIME_MS, 'anchor lifetime');
  const now = nowMs(options);
  const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'anchor', now, lifetime);
  const key = options.key ?? (await generateKeyPair(options.random ? { random: options.random } : {}));
  const name = encodeCommonNameOnly(options.commonName ?? DEFAULT_ANCHOR_COMMON_NAME);
  const issued = await signCertificate(
    {
      serial: serialBytes(options),
      issuer: name,
      subject: name,
      notBefore: wholeSeconds(now - skew),
      notAfter: wholeSeconds(now + lifetime + skew),
      spki: key.publicKey.spki,
      extensions: [
        keyUsageExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign),
        caBasicConstraints(options.pathLen === undefined ? 1 : options.pathLen),
        subjectKeyIdExtension(await keyIdentifier(key.publicKey.point)),
      ],
    },
    key,
    options,
  );
  return { ...issued, key };
}
