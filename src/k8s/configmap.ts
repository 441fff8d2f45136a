import { requireOptions } from '../validate';
import {
  DEFAULT_NAMESPACE,
  loadObject,
  type ObjectMeta,
  objectMeta,
  readString,
  requireText,
} from './manifest';

const BUNDLE_KEY = 'ca-bundle.crt';

/** The ConfigMap that distributes Linkerd's trust anchors to the control plane and proxies. */
export interface TrustRootsConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data: { 'ca-bundle.crt': string };
}

/** Inputs of {@link trustRootsConfigMap}. */
export interface TrustRootsConfigMapOptions {
  /** Every trust anchor, PEM, concatenated (old and new together during an anchor rotation). */
  bundlePem: string;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-identity-trust-roots`. */
  name?: string;
}

/**
 * Linkerd's trust-roots ConfigMap: the anchor bundle, as PEM text, under `data["ca-bundle.crt"]`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty bundle or an invalid name or namespace.
 * @example
 * ```ts
 * trustRootsConfigMap({ bundlePem: oldAnchorPem + newAnchorPem }).metadata.name; // 'linkerd-identity-trust-roots'
 * ```
 */
export function trustRootsConfigMap(opts: TrustRootsConfigMapOptions): TrustRootsConfigMap {
  requireOptions(opts, 'trustRootsConfigMap');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(opts.name ?? 'linkerd-identity-trust-roots', opts.namespace ?? DEFAULT_NAMESPACE),
    data: { [BUNDLE_KEY]: requireText(opts.bundlePem, 'bundlePem') },
  };
}

/**
 * Reads the trust-roots ConfigMap back (object or YAML text, one document).
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` for a wrong kind or apiVersion, or a missing or empty
 * `data["ca-bundle.crt"]`.
 * @example
 * ```ts
 * const { bundlePem } = readTrustRootsConfigMap(configMapYaml);
 * ```
 */
export function readTrustRootsConfigMap(input: unknown): { bundlePem: string } {
  return { bundlePem: readString(loadObject(input, 'v1', 'ConfigMap'), ['data', BUNDLE_KEY]) };
}
