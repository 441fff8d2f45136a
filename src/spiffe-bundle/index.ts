export {
  BUNDLE_REFRESH_DEFAULT_MS,
  BUNDLE_REFRESH_MAX_MS,
  BUNDLE_REFRESH_MIN_MS,
  type BundleRefreshOptions,
  bundleRefreshDelay,
  createSpiffeBundleSet,
  type SpiffeBundleFromPemOptions,
  type SpiffeBundleSetEntry,
  spiffeBundleFromPem,
  spiffeBundleToPem,
} from './convert';
export {
  MAX_SPIFFE_BUNDLE_KEYS,
  MAX_SPIFFE_BUNDLE_LENGTH,
  type ParseSpiffeBundleOptions,
  parseSpiffeBundle,
  type SpiffeBundle,
  type WriteSpiffeBundleOptions,
  writeSpiffeBundle,
} from './document';
export type { SpiffeJwk } from './jwk';
