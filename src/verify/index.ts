export type { VerifyBudget } from './budget';
export type { Usage } from './build';
export { type ChainInput, MAX_INTERMEDIATES, type VerifyChainOptions, verifyChain } from './chain';
export { type LinkerdPeerOptions, verifyLinkerdPeer } from './linkerd';
export {
  VERIFY_FAILURE_CODES,
  type VerifiedIdentity,
  type VerifyFailure,
  type VerifyFailureCode,
  type VerifyResult,
  type VerifySuccess,
} from './result';
export { DEFAULT_MAX_DEPTH, type Profile } from './settings';
export { type CertificateInput, createTrustStore, type TrustBundleInput, TrustStore } from './store';
export { type SvidVerifyResult, type VerifySvidOptions, verifySvid } from './svid';
export {
  type BundleUpdateRefusal,
  type BundleUpdateResult,
  createTrustBundleSet,
  MAX_TRUST_DOMAINS,
  type SequencedBundle,
  TrustBundleSet,
  type TrustBundleSetInput,
  type TrustDomainBundle,
} from './trust-domains';
export { DEFAULT_MAX_CACHE_ENTRIES, Verifier, type VerifierOptions } from './verifier';
export { type ParseX509SvidOptions, parseX509Svid, type X509Svid } from './x509-svid';
