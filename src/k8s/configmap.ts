import { requireOptions } from '../validate';
import type { TrustBundleInput } from '../verify/store';
import { DEFAULT_NAMESPACE, loadObject, type ObjectMeta, objectMeta, readString } from './manifest';
import { bundleText } from './material';

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
  /**
   * Every trust anchor (old and new together during an anchor rotation), in any `TrustBundleInput` form;
   * text is written as it is.
   */
  bundle: TrustBundleInput;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-identity-trust-roots`. */
  name?: string;
}

/**
 * Linkerd's trust-roots ConfigMap: the anchor bundle, as PEM text, under `data["ca-bundle.crt"]`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty bundle or an invalid name or namespace; the
 * bundle codes for an unreadable list of certificates.
 * @example
 * ```ts
 * trustRootsConfigMap({ bundle: [oldAnchor.certificate, newAnchor.certificate] }).metadata.name; // 'linkerd-identity-trust-roots'
 * ```
 */
export function trustRootsConfigMap(opts: TrustRootsConfigMapOptions): TrustRootsConfigMap {
  requireOptions(opts, 'trustRootsConfigMap');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(opts.name ?? 'linkerd-identity-trust-roots', opts.namespace ?? DEFAULT_NAMESPACE),
    data: { [BUNDLE_KEY]: bundleText(opts.bundle, 'bundle') },
  };
}

/**
 * Reads the trust-roots ConfigMap back (object or YAML text, one document).
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` for a wrong kind or apiVersion, or a missing or empty
 * `data["ca-bundle.crt"]`.
 * @example
 * ```ts
 * const { bundle } = readTrustRootsConfigMap(configMapYaml);
 * ```
 */
export function readTrustRootsConfigMap(input: unknown): { bundle: string } {
  return { bundle: readString(loadObject(input, 'v1', 'ConfigMap'), ['data', BUNDLE_KEY]) };
}
