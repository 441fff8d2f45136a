export {
  type CertificateAuthority,
  createTrustAnchor,
  DEFAULT_ANCHOR_COMMON_NAME,
  DEFAULT_ANCHOR_LIFETIME_MS,
  DEFAULT_CLOCK_SKEW_MS,
  type TrustAnchorOptions,
} from './anchor';
export { MAX_BUNDLE_CERTIFICATES, parseBundle, writeBundle } from './bundle';
export {
  type AddToBundleOptions,
  addToBundle,
  type BundleDiff,
  type BundleEdit,
  type BundleEntry,
  type BundleText,
  certificateFingerprint,
  type DiffBundlesOptions,
  diffBundles,
  normalizeFingerprint,
  type PruneBundleOptions,
  pruneBundle,
  type RemoveFromBundleOptions,
  type RenewedPair,
  removeFromBundle,
} from './bundle-edit';
export { type RenewOptions, renewCertificate } from './renew';
