/**
 * Kubernetes material for Linkerd's PKI: the issuer and trust-anchor Secrets, the trust-roots ConfigMap,
 * cert-manager resources for issuer rotation, Helm values, and YAML in and out. Every builder returns a
 * plain object; every reader takes an object or YAML text and refuses wrong kinds or missing fields with
 * `ERR_MANIFEST_INVALID`.
 *
 * @example
 * ```ts
 * import { issuerSecret, toYaml, readIssuerSecret } from 'l5d-pki';
 * const yaml = toYaml(issuerSecret({ issuer, bundle: anchor.pem }));
 * readIssuerSecret(yaml); // { issuer: { certificate, key }, bundle }
 * ```
 * @module
 */
export {
  type CertManagerCertificate,
  type CertManagerCertificateOptions,
  type CertManagerIssuer,
  type CertManagerIssuerOptions,
  certManagerCertificate,
  certManagerIssuer,
  type IssuerRotationOptions,
  issuerRotationManifests,
} from './cert-manager';
export {
  readTrustRootsConfigMap,
  type TrustRootsConfigMap,
  type TrustRootsConfigMapOptions,
  trustRootsConfigMap,
} from './configmap';
export {
  type HelmIdentityOptions,
  type HelmIdentityPems,
  type HelmIdentityValues,
  helmValues,
  readHelmValues,
} from './helm';
export {
  formatLintFinding,
  type LintCode,
  type LintFinding,
  type LintOptions,
  type LintResult,
  type LintSource,
  lintManifests,
} from './lint';
export type { ObjectMeta } from './manifest';
export type { PemCredentials } from './material';
export {
  ISSUER_SECRET_SCHEMES,
  type IssuerCredentials,
  type IssuerSecretOptions,
  type IssuerSecretScheme,
  issuerSecret,
  issuerSecretScheme,
  type LinkerdIssuerCredentials,
  type LinkerdIssuerSecret,
  readIssuerSecret,
  readTrustAnchorSecret,
  type TlsIssuerCredentials,
  type TlsSecret,
  type TrustAnchorCredentials,
  type TrustAnchorSecretOptions,
  trustAnchorSecret,
} from './secret';
export {
  type TrustManagerBundle,
  type TrustManagerBundleOptions,
  type TrustManagerSource,
  trustManagerBundle,
} from './trust-manager';
export { toYaml } from './yaml';
export { fromYaml } from './yaml-read';
