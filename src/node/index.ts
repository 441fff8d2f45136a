/**
 * Node services that terminate mTLS themselves: `node:tls`/`node:https` options from a leaf, its key,
 * its chain and the trust anchors, and a peer check that verifies the other side the way Linkerd does
 * (chain, extended key usage, Linkerd identity or SPIFFE ID) on top of Node's own chain validation.
 * Linkerd's identity service over gRPC: {@link startIdentityServer} serves `Identity/Certify` as the
 * controller does, {@link certify} calls it as the proxy does, {@link jwksTokenAuthenticator} checks
 * service-account tokens.
 * Node only: import it from `l5d-pki/node`.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * import { createPeerCheck, tlsClientOptions } from 'l5d-pki/node';
 *
 * const peer = createPeerCheck({ bundle, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * https.get({ ...tlsClientOptions({ certificate: leaf, key, chain: leaf.chain, bundle, peer }), host, port });
 * ```
 * @module
 */

export {
  LINKERD_TOKEN_AUDIENCE,
  staticTokenAuthenticator,
  type TokenAuthenticator,
  type TokenVerdict,
} from '../identity/authenticator';
export type { CertifySettings } from '../identity/certify';
export {
  type CertifyClientFailure,
  type CertifyClientOptions,
  type CertifyClientResult,
  type CertifyClientSuccess,
  certify,
  createIdentityClient,
  type IdentityClient,
  type IdentityClientOptions,
  type IdentityClientRequest,
} from './identity/client';
export { type JwksTokenAuthenticatorOptions, jwksTokenAuthenticator } from './identity/jwt';
export {
  ISSUER_SCHEMES,
  type IssuerFilesCheck,
  type IssuerFilesWatcher,
  type WatchIssuerFilesOptions,
  watchIssuerFiles,
} from './identity/reload';
export {
  type IdentityLogEntry,
  type IdentityServer,
  type IdentityServerOptions,
  startIdentityServer,
} from './identity/server';
export {
  inClusterAccess,
  type KubernetesApiAccess,
  kubeconfigAccess,
  type TokenReviewAuthenticatorOptions,
  tokenReviewAuthenticator,
} from './identity/token-review';
export {
  createPeerCheck,
  type PeerCertificateInput,
  PeerCheck,
  type PeerCheckOptions,
  type PeerIdentity,
  PeerVerificationError,
  type TlsClientOptions,
  type TlsClientOptionsInput,
  type TlsCredentials,
  type TlsSecureOptions,
  type TlsServerOptions,
  tlsClientOptions,
  tlsServerOptions,
} from './tls';
