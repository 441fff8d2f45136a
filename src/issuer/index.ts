export {
  type CheckSignerOptions,
  checkSigner,
  createIssuer,
  DEFAULT_ISSUER_COMMON_NAME,
  DEFAULT_ISSUER_LIFETIME_MS,
  type Issuer,
  type IssuerInput,
  type IssuerOptions,
  loadIssuer,
} from './issuer';
