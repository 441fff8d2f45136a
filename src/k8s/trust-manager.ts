import { parseBundle } from '../anchor/bundle';
import { PkiError } from '../errors';
import { optionalOptions, requireString } from '../validate';
import { dnsSubdomain } from './manifest';

/** trust-manager's `Bundle` API version. */
const API_VERSION = 'trust.cert-manager.io/v1alpha1';

/** One source of a trust-manager `Bundle`: a key of a Secret or ConfigMap, or PEM inline. */
export type TrustManagerSource =
  | { secret: { name: string; key: string } }
  | { configMap: { name: string; key: string } }
  | { inLine: string };

/**
 * A trust-manager `Bundle` (cluster-scoped): trust-manager concatenates its sources and writes them
 * under `target.configMap.key` into a ConfigMap of the Bundle's name in every namespace the selector
 * matches.
 */
export interface TrustManagerBundle {
  apiVersion: 'trust.cert-manager.io/v1alpha1';
  kind: 'Bundle';
  metadata: { name: string };
  spec: {
    sources: TrustManagerSource[];
    target: {
      configMap: { key: string };
      namespaceSelector: { matchLabels: Record<string, string> };
    };
  };
}

/** Inputs of {@link trustManagerBundle}. */
export interface TrustManagerBundleOptions {
  /** The Bundle's name, which is the ConfigMap's too. Default `linkerd-identity-trust-roots`. */
  name?: string;
  /**
   * The Secret holding the trust anchor, in trust-manager's trust namespace (`cert-manager` unless
   * installed with `app.trust.namespace`). Default `linkerd-trust-anchor`, as cert-manager writes it.
   */
  secretName?: string;
  /** Its key. Default `tls.crt`. */
  secretKey?: string;
  /**
   * A second Secret (same key) with the previous anchor, kept during an anchor rotation so proxies
   * trust both until they have been restarted; `undefined` for none.
   */
  previousSecretName?: string;
  /** More anchors given as PEM (e.g. another cluster's, for multicluster), checked and added inline. */
  inLine?: string;
}

/**
 * The trust-manager `Bundle` of Linkerd's "automatically rotating control plane TLS credentials" guide:
 * it copies the trust anchor certificate (`tls.crt` of the `linkerd-trust-anchor` Secret that
 * cert-manager keeps) into `ca-bundle.crt` of the `linkerd-identity-trust-roots` ConfigMap of the
 * namespace labelled `linkerd.io/is-control-plane: "true"`, where Linkerd reads its trust anchors.
 * Install Linkerd with `--set identity.externalCA=true` (Helm: `identity.externalCA: true`) so that it
 * does not write that ConfigMap itself.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for invalid names or keys; the bundle codes when `inLine`
 * holds no certificate or anything but certificates.
 * @example
 * ```ts
 * toYaml(trustManagerBundle()); // apiVersion: trust.cert-manager.io/v1alpha1, kind: Bundle, …
 * trustManagerBundle({ previousSecretName: 'linkerd-previous-anchor' }).spec.sources.length; // 2
 * ```
 */
export function trustManagerBundle(opts: TrustManagerBundleOptions = {}): TrustManagerBundle {
  optionalOptions(opts, 'trustManagerBundle');
  const key = dataKey(opts.secretKey ?? 'tls.crt');
  const sources: TrustManagerSource[] = [
    { secret: { name: dnsSubdomain(opts.secretName ?? 'linkerd-trust-anchor', 'secretName'), key } },
  ];
  if (opts.previousSecretName !== undefined) {
    sources.push({ secret: { name: dnsSubdomain(opts.previousSecretName, 'previousSecretName'), key } });
  }
  if (opts.inLine !== undefined) {
    requireString(opts.inLine, '`inLine`');
    parseBundle(opts.inLine); // certificates only, each one readable
    sources.push({ inLine: opts.inLine });
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Bundle',
    metadata: { name: dnsSubdomain(opts.name ?? 'linkerd-identity-trust-roots', 'name') },
    spec: {
      sources,
      target: {
        configMap: { key: 'ca-bundle.crt' },
        namespaceSelector: { matchLabels: { 'linkerd.io/is-control-plane': 'true' } },
      },
    },
  };
}

/** A Secret or ConfigMap data key: `[-._a-zA-Z0-9]+`, at most 253 characters. */
function dataKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(key)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'secretKey must be a Secret data key such as tls.crt or ca.crt',
    );
  }
  return key;
}
