/**
 * Node services that terminate mTLS themselves: `node:tls`/`node:https` options from a leaf, its key,
 * its chain and the trust anchors, and a peer check that verifies the other side the way Linkerd does
 * (chain, extended key usage, Linkerd identity or SPIFFE ID) on top of Node's own chain validation.
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
