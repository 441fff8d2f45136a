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
export type { ObjectMeta } from './manifest';
export type { PemCredentials } from './material';
export {
  type IssuerCredentials,
  type IssuerSecretOptions,
  issuerSecret,
  readIssuerSecret,
  readTrustAnchorSecret,
  type TlsSecret,
  type TrustAnchorCredentials,
  type TrustAnchorSecretOptions,
  trustAnchorSecret,
} from './secret';
export { toYaml } from './yaml';
export { fromYaml } from './yaml-read';
