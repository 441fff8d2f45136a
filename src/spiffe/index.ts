export { isDns1123Label, isDns1123Subdomain } from './dns';
export { formatSpiffeId, isValidSpiffeId, parseSpiffeId, type SpiffeId, spiffeIdFromSegments } from './id';
export {
  DEFAULT_SPIFFE_TRUST_DOMAIN,
  identityNameProblem,
  type LinkerdIdentityInput,
  type LinkerdIdentityParts,
  type LinkerdToSpiffeOptions,
  linkerdIdentity,
  linkerdIdentityToSpiffeId,
  type ParseLinkerdIdentityOptions,
  parseLinkerdIdentity,
  parseServiceAccountUsername,
  requireIdentityName,
  type ServiceAccountRef,
  type SpiffeToLinkerdOptions,
  spiffeIdToLinkerdIdentity,
} from './linkerd';
export { matchAny, matchId, matchMemberOf, matchOneOf, type SpiffeIdMatcher } from './match';
export { validatePath, validatePathSegment } from './path';
export { isValidTrustDomain, parseTrustDomain } from './trust-domain';
