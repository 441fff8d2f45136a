export {
  checkSigner,
  createIssuer,
  DEFAULT_ISSUER_COMMON_NAME,
  DEFAULT_ISSUER_LIFETIME_MS,
  type Issuer,
  type IssuerOptions,
  type LoadIssuerInput,
  loadIssuer,
} from './issuer';
