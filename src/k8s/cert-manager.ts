import { type DurationInput, formatDuration, parseDuration } from '../duration';
import { PkiError } from '../errors';
import type { IssuerInput } from '../issuer/issuer';
import { validateCertManagerSpec } from '../schedule/cert-manager';
import { optionalArray, optionalOptions, requireObject, requireOptions, requireString } from '../validate';
import { DEFAULT_NAMESPACE, dnsSubdomain, type ObjectMeta, objectMeta, requireText } from './manifest';
import { type TlsSecret, trustAnchorSecret } from './secret';

const API_VERSION = 'cert-manager.io/v1';
const ANCHOR_NAME = 'linkerd-trust-anchor';
const ISSUER_CN = 'identity.linkerd.cluster.local';

/** A cert-manager CA `Issuer`, signing with the key pair in `spec.ca.secretName`. */
export interface CertManagerIssuer {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Issuer';
  metadata: ObjectMeta;
  spec: { ca: { secretName: string } };
}

/** Inputs of {@link certManagerIssuer}. */
export interface CertManagerIssuerOptions {
  /** Default `linkerd-trust-anchor`. */
  name?: string;
  /** Default `linkerd`. */
  namespace?: string;
  /** The trust-anchor Secret; default `linkerd-trust-anchor`. */
  secretName?: string;
}

/**
 * The cert-manager CA `Issuer` of Linkerd's "automatically rotating control plane TLS credentials" guide,
 * backed by the trust-anchor Secret.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for invalid names.
 * @example
 * ```ts
 * certManagerIssuer().spec; // { ca: { secretName: 'linkerd-trust-anchor' } }
 * ```
 */
export function certManagerIssuer(opts: CertManagerIssuerOptions = {}): CertManagerIssuer {
  optionalOptions(opts, 'certManagerIssuer');
  return {
    apiVersion: API_VERSION,
    kind: 'Issuer',
    metadata: objectMeta(opts.name ?? ANCHOR_NAME, opts.namespace ?? DEFAULT_NAMESPACE),
    spec: { ca: { secretName: dnsSubdomain(opts.secretName ?? ANCHOR_NAME, 'secretName') } },
  };
}

/** A cert-manager `Certificate` for Linkerd's identity issuer. */
export interface CertManagerCertificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: ObjectMeta;
  spec: {
    secretName: string;
    duration: string;
    renewBefore?: string;
    renewBeforePercentage?: number;
    issuerRef: { name: string; kind: 'Issuer' | 'ClusterIssuer' };
    commonName: string;
    dnsNames: string[];
    isCA: true;
    privateKey: { algorithm: 'ECDSA' };
    usages: string[];
  };
}

/** Inputs of {@link certManagerCertificate}; durations as Go duration text or milliseconds. */
export interface CertManagerCertificateOptions {
  /** Default `linkerd-identity-issuer`. */
  name?: string;
  /** Default `linkerd`. */
  namespace?: string;
  /** The issuer Secret cert-manager writes; default `linkerd-identity-issuer`. */
  secretName?: string;
  /** Default `48h`. */
  duration?: DurationInput;
  /** Default `25h`, unless `renewBeforePercentage` is set (the two are mutually exclusive). */
  renewBefore?: DurationInput;
  renewBeforePercentage?: number;
  /** Default `{ name: 'linkerd-trust-anchor', kind: 'Issuer' }`. */
  issuerRef?: { name: string; kind: 'Issuer' | 'ClusterIssuer' };
  /** Default `identity.linkerd.cluster.local`. */
  commonName?: string;
  /** Default `[commonName]`. */
  dnsNames?: readonly string[];
  /** Default `cert sign`, `crl sign`, `server auth`, `client auth`. */
  usages?: readonly string[];
}

/** Go duration text and milliseconds of a duration given either way. */
function duration(value: DurationInput): { text: string; ms: number } {
  return typeof value === 'string'
    ? { text: value, ms: parseDuration(value) }
    : { text: formatDuration(value), ms: value };
}

/**
 * The cert-manager `Certificate` that issues and renews Linkerd's identity issuer, as in Linkerd's guide:
 * a CA certificate with an ECDSA key (Linkerd's issuer must be ECDSA P-256, so the algorithm is fixed),
 * `duration: 48h`, `renewBefore: 25h`, CN and DNS name `identity.linkerd.cluster.local`, usages
 * `cert sign`, `crl sign`, `server auth`, `client auth`, signed by the `linkerd-trust-anchor` Issuer.
 * The duration fields are checked with cert-manager's webhook rules before anything is returned.
 *
 * @throws {@link PkiError} `ERR_SCHEDULE_INVALID` listing every duration rule broken (e.g. renewBefore not
 * below duration); `ERR_DURATION_INVALID` for unreadable duration text; `ERR_INVALID_ARGUMENT` for invalid
 * names or an empty common name.
 * @example
 * ```ts
 * certManagerCertificate().spec.renewBefore; // '25h'
 * certManagerCertificate({ duration: '24h', renewBefore: '25h' }); // throws ERR_SCHEDULE_INVALID
 * ```
 */
export function certManagerCertificate(opts: CertManagerCertificateOptions = {}): CertManagerCertificate {
  optionalOptions(opts, 'certManagerCertificate');
  optionalArray(opts.dnsNames, '`dnsNames`', requireString);
  optionalArray(opts.usages, '`usages`', requireString);
  if (opts.issuerRef !== undefined) requireObject(opts.issuerRef, '`issuerRef`');
  const pct = opts.renewBeforePercentage;
  const life = duration(opts.duration ?? '48h');
  const before = opts.renewBefore ?? (pct === undefined ? '25h' : undefined);
  const renew = before === undefined ? undefined : duration(before);
  const check = validateCertManagerSpec({
    duration: life.ms,
    ...(renew === undefined ? {} : { renewBefore: renew.ms }),
    ...(pct === undefined ? {} : { renewBeforePercentage: pct }),
  });
  if (!check.ok) {
    throw new PkiError(
      'ERR_SCHEDULE_INVALID',
      check.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    );
  }
  const commonName = requireText(opts.commonName ?? ISSUER_CN, 'commonName');
  const issuerRef = opts.issuerRef ?? { name: ANCHOR_NAME, kind: 'Issuer' };
  return {
    apiVersion: API_VERSION,
    kind: 'Certificate',
    metadata: objectMeta(opts.name ?? 'linkerd-identity-issuer', opts.namespace ?? DEFAULT_NAMESPACE),
    spec: {
      secretName: dnsSubdomain(opts.secretName ?? 'linkerd-identity-issuer', 'secretName'),
      duration: life.text,
      ...(renew === undefined ? {} : { renewBefore: renew.text }),
      ...(pct === undefined ? {} : { renewBeforePercentage: pct }),
      issuerRef: { name: dnsSubdomain(issuerRef.name, 'issuerRef.name'), kind: issuerRef.kind },
      commonName,
      dnsNames: [...(opts.dnsNames ?? [commonName])],
      isCA: true,
      privateKey: { algorithm: 'ECDSA' },
      usages: [...(opts.usages ?? ['cert sign', 'crl sign', 'server auth', 'client auth'])],
    },
  };
}

/** Inputs of {@link issuerRotationManifests}. */
export interface IssuerRotationOptions extends Omit<CertManagerCertificateOptions, 'issuerRef'> {
  /** The trust anchor with its key, in any `IssuerInput` form (a `CertificateAuthority`, or PEM texts). */
  anchor: IssuerInput;
  /** Name of both the trust-anchor Secret and the cert-manager Issuer; default `linkerd-trust-anchor`. */
  anchorName?: string;
}

/**
 * Everything cert-manager needs to rotate Linkerd's issuer, in apply order: the trust-anchor Secret,
 * the CA `Issuer` that uses it, and the `Certificate` for the issuer, all in one namespace.
 *
 * @throws {@link PkiError} as {@link trustAnchorSecret}, {@link certManagerIssuer} and
 * {@link certManagerCertificate}.
 * @example
 * ```ts
 * const yaml = toYaml(issuerRotationManifests({ anchor, duration: '48h', renewBefore: '25h' }));
 * // kubectl apply -f -  (then install Linkerd with identity.issuer.scheme=kubernetes.io/tls)
 * ```
 */
export function issuerRotationManifests(
  opts: IssuerRotationOptions,
): [TlsSecret, CertManagerIssuer, CertManagerCertificate] {
  requireOptions(opts, 'issuerRotationManifests');
  const { anchor, anchorName = ANCHOR_NAME, namespace = DEFAULT_NAMESPACE, ...cert } = opts;
  return [
    trustAnchorSecret({ anchor, namespace, name: anchorName }),
    certManagerIssuer({ name: anchorName, namespace, secretName: anchorName }),
    certManagerCertificate({ ...cert, namespace, issuerRef: { name: anchorName, kind: 'Issuer' } }),
  ];
}
