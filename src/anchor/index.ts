export {
  type CertificateAuthority,
  createTrustAnchor,
  DEFAULT_ANCHOR_COMMON_NAME,
  DEFAULT_ANCHOR_LIFETIME_MS,
  DEFAULT_CLOCK_SKEW_MS,
  type TrustAnchorOptions,
} from './anchor';
export { MAX_BUNDLE_CERTIFICATES, parseBundle, writeBundle } from './bundle';
