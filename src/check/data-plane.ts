import { sameBytes } from '../der';
import { PkiError } from '../errors';
import { optionalString, requireOptions } from '../validate';
import { createTrustStore, type TrustBundleInput } from '../verify';
import type { Certificate } from '../x509/types';
import { type CheckResult, type CheckSpec, errorText, outcome } from './result';

const DATA_PLANE_CHECK: CheckSpec = {
  category: 'linkerd-identity-data-plane',
  name: 'data plane proxies certificate match CA',
  severity: 'warning',
  hintAnchor: 'l5d-identity-data-plane-proxies-certs-match-ca',
  hint:
    'The proxy still trusts an older bundle: it reads its trust anchors only when the pod starts. Restart ' +
    'the pod (kubectl rollout restart) so it loads the current bundle.',
};

/**
 * Inputs of {@link checkDataPlaneAnchors}.
 *
 * @example
 * ```ts
 * const input: DataPlaneAnchorsInput = { proxyBundle: envValue, bundle: caBundle, pod: 'emojivoto/web-0' };
 * ```
 */
export interface DataPlaneAnchorsInput {
  /** The proxy's trust anchors: its `LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS` value, in any {@link TrustBundleInput} form. */
  readonly proxyBundle: TrustBundleInput;
  /** The current trust bundle (`linkerd-identity-trust-roots`), in any {@link TrustBundleInput} form. */
  readonly bundle: TrustBundleInput;
  /** The pod's name (`<namespace>/<name>`) for the message. Default `proxy`. */
  readonly pod?: string;
}

function readAnchors(bundle: TrustBundleInput): readonly Certificate[] | string {
  try {
    return createTrustStore(bundle).anchors;
  } catch (e) {
    return errorText(e);
  }
}

function describe(cert: Certificate): string {
  return `${cert.subject.commonName ?? '(no CN)'} (serial ${cert.serialHex})`;
}

function missingFrom(certs: readonly Certificate[], others: readonly Certificate[]): Certificate[] {
  return certs.filter((c) => !others.some((o) => sameBytes(o.der, c.der)));
}

/**
 * `linkerd check --proxy`'s "data plane proxies certificate match CA" (a warning) for one proxy: does it
 * trust exactly the current bundle? Linkerd compares the two PEM texts (trimmed); l5d-pki compares the
 * certificates, so formatting, order and duplicates do not matter, and says which anchors differ. A proxy
 * value that is not a readable bundle does not match; an unreadable `bundle` is reported the same way.
 *
 * @example
 * ```ts
 * const result = checkDataPlaneAnchors({ proxyBundle: oldBundle, bundle: newBundle, pod: 'shop/web-0' });
 * result.status; // 'warning'
 * result.message; // 'Some pods do not have the current trust bundle and must be restarted:\n\t* shop/web-0\n...'
 * ```
 */
export function checkDataPlaneAnchors(input: DataPlaneAnchorsInput): CheckResult {
  requireOptions(input, 'checkDataPlaneAnchors');
  optionalString(input.pod, '`pod`');
  if (input.proxyBundle === undefined || input.bundle === undefined) {
    throw new PkiError('ERR_INVALID_ARGUMENT', '`proxyBundle` and `bundle` are required');
  }
  const bundle = readAnchors(input.bundle);
  const proxy = readAnchors(input.proxyBundle);
  const details: string[] = [];
  if (typeof bundle === 'string') details.push(`the current bundle cannot be read: ${bundle}`);
  if (typeof proxy === 'string') details.push(`the proxy's trust anchors cannot be read: ${proxy}`);
  if (typeof bundle !== 'string' && typeof proxy !== 'string') {
    for (const c of missingFrom(bundle, proxy)) details.push(`missing from the proxy: ${describe(c)}`);
    for (const c of missingFrom(proxy, bundle)) details.push(`no longer in the bundle: ${describe(c)}`);
  }
  if (details.length === 0) return outcome(DATA_PLANE_CHECK, undefined);
  const header = `Some pods do not have the current trust bundle and must be restarted:\n\t* ${input.pod ?? 'proxy'}`;
  return outcome(DATA_PLANE_CHECK, [header, ...details.map((d) => `\t  ${d}`)].join('\n'));
}
