import { PkiError, quoteInput } from '../errors';
import type { Usage } from './build';
import { verifyChain } from './chain';
import { formatReferenceName, parseReferenceName, type ReferenceName, sansMatchExactly } from './names';
import { failure, problem, type VerifiedChain, type VerifyResult, verifiedPath } from './result';
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
  /**
   * The identity the peer must have: a Linkerd identity name (a DNS name, compared ignoring case; one
   * trailing dot is dropped) or a `spiffe://` ID (compared exactly). An IP address matches only an
   * iPAddress SAN.
   */
  readonly expectedIdentity: string;
  /** The validation time; default: now. */
  readonly at?: Date;
  /** As {@link VerifyChainOptions.usage}; default `any`. */
  readonly usage?: Usage;
}

/**
 * Verifies a mesh peer as the Linkerd proxy (rustls-webpki) decides: the chain must verify against the
 * trust anchors, the leaf must not be a CA, and a SAN of the leaf of the same type as `expectedIdentity`
 * must name it exactly (no wildcards): a DNS name only a dNSName SAN that is a valid DNS name equal to it
 * ignoring case, a URI only a URI SAN of the same text. A dNSName whose text is a `spiffe://` ID is never
 * that SPIFFE ID, and a URI SAN whose text is a DNS name is never that name. Leaves carrying both a Linkerd
 * DNS identity and a SPIFFE URI match either.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` when `expectedIdentity` is not a DNS name, an IP address or a
 *   URI (a wildcard, for instance), or when the other options are invalid.
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
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'verifyLinkerdPeer takes an options object');
  const { expectedIdentity, ...chain } = options;
  const expected = expectedName(expectedIdentity);
  const result = await verifyChain(chain);
  if (!result.ok) return result;
  const peer = verifiedPath(result as VerifiedChain)[0]!;
  if (peer.basicConstraints?.ca)
    return failure(problem('PROFILE_VIOLATION', 'a CA certificate cannot be a peer'), 0);
  if (sansMatchExactly(peer.subjectAltNames, expected)) return result;
  return failure(
    problem(
      'NAME_MISMATCH',
      `no ${SAN_TYPE[expected.type]} SAN of the peer is "${formatReferenceName(expected)}"`,
    ),
    0,
  );
}

const SAN_TYPE = { dns: 'DNS', ip: 'IP', uri: 'URI' } as const;

/** `expectedIdentity` classified; misuse throws `ERR_INVALID_ARGUMENT`. */
function expectedName(expectedIdentity: unknown): ReferenceName {
  if (typeof expectedIdentity !== 'string' || expectedIdentity === '') {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'expectedIdentity must be a non-empty string');
  }
  try {
    return parseReferenceName(expectedIdentity);
  } catch (e) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `expectedIdentity ${quoteInput(expectedIdentity)} is not a DNS name, an IP address or a URI`,
      { cause: e },
    );
  }
}
