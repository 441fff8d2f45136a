export {
  type CertificateAuthority,
  createTrustAnchor,
  DEFAULT_ANCHOR_COMMON_NAME,
  DEFAULT_ANCHOR_LIFETIME_MS,
  DEFAULT_CLOCK_SKEW_MS,
  type TrustAnchorOptions,
} from './anchor';
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
  MAX_BUNDLE_CERTIFICATES,
  normalizeFingerprint,
  type PruneBundleOptions,
  parseBundle,
  pruneBundle,
  type RemoveFromBundleOptions,
  type RenewedPair,
  removeFromBundle,
  writeBundle,
} from './bundle';
export { type RenewOptions, renewCertificate } from './renew';
