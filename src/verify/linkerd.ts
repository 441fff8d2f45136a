import { PkiError } from '../errors';
import type { Usage } from './build';
import { verifyChain } from './chain';
import { failure, problem, type VerifyResult } from './result';
import type { CertificateInput, TrustBundleInput } from './store';

/**
 * Options of {@link verifyLinkerdPeer}.
 *
 * @example
 * ```ts
 * const options: LinkerdPeerOptions = {
 *   leaf: peerPem,
 *   intermediates: [issuerPem],
 *   bundle: trustAnchorsPem,
 *   expectedIdentity: 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
 * };
 * ```
 */
export interface LinkerdPeerOptions {
  /** The peer's certificate. */
  readonly leaf: CertificateInput;
  /** The chain the peer presented after its leaf. */
  readonly intermediates?: readonly CertificateInput[];
  /** The mesh's trust anchors. */
  readonly bundle: TrustBundleInput;
  /** The identity the peer must have: a Linkerd identity name or a `spiffe://` ID. */
  readonly expectedIdentity: string;
  /** The validation time; default: now. */
  readonly at?: Date;
  /** As {@link VerifyChainOptions.usage}; default `any`. */
  readonly usage?: Usage;
}

/**
 * Verifies a mesh peer as the Linkerd proxy (rustls-webpki) decides: the chain must verify against the
 * trust anchors, the leaf must not be a CA, and some DNS or URI SAN of the leaf must equal
 * `expectedIdentity` exactly (no wildcards). Leaves carrying both a Linkerd DNS identity and a SPIFFE URI
 * match either.
 *
 * @example
 * ```ts
 * const result = await verifyLinkerdPeer({
 *   leaf: peerDer,
 *   intermediates: [issuerDer],
 *   bundle: trustAnchorsPem,
 *   expectedIdentity: 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
 * });
 * result.ok; // true for that workload's certificate
 * ```
 */
export async function verifyLinkerdPeer(options: LinkerdPeerOptions): Promise<VerifyResult> {
  const { expectedIdentity, ...chain } = options;
  if (typeof expectedIdentity !== 'string' || expectedIdentity === '') {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'expectedIdentity must be a non-empty string');
  }
  const result = await verifyChain(chain);
  if (!result.ok) return result;
  const peer = result.path[0]!;
  if (peer.basicConstraints?.ca)
    return failure(problem('PROFILE_VIOLATION', 'a CA certificate cannot be a peer'), 0);
  const sans = peer.subjectAltNames ?? [];
  if (sans.some((s) => (s.type === 'dns' || s.type === 'uri') && s.value === expectedIdentity)) return result;
  return failure(problem('NAME_MISMATCH', `no DNS or URI SAN of the peer is "${expectedIdentity}"`), 0);
}
