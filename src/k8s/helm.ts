import type { IssuerInput } from '../issuer/issuer';
import { requireOptions } from '../validate';
import type { TrustBundleInput } from '../verify/store';
import { loadDocument, readString } from './manifest';
import { bundleText, credentialTexts, type PemCredentials } from './material';

/** The identity part of the `linkerd-control-plane` chart's values. */
export interface HelmIdentityValues {
  identityTrustAnchorsPEM: string;
  identity: { issuer: { tls: { crtPEM: string; keyPEM: string } } };
}

/** What Linkerd's Helm chart takes for identity: the trust anchors and the issuer, in any form. */
export interface HelmIdentityOptions {
  /** `identityTrustAnchorsPEM`, in any `TrustBundleInput` form. */
  bundle: TrustBundleInput;
  /** `identity.issuer.tls.crtPEM` and `keyPEM`, in any `IssuerInput` form. */
  issuer: IssuerInput;
}

/** The identity PEM texts read back from Helm values. */
export interface HelmIdentityPems {
  /** `identityTrustAnchorsPEM`. */
  bundle: string;
  /** `identity.issuer.tls.crtPEM` and `keyPEM`. */
  issuer: PemCredentials;
}

/**
 * Values for `helm install linkerd-control-plane` with an issuer you provide (the chart's default
 * `identity.issuer.scheme: linkerd.io/tls`): `identityTrustAnchorsPEM` and `identity.issuer.tls`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text or a missing certificate or key.
 * @example
 * ```ts
 * const values = toYaml(helmValues({ bundle: anchor.pem, issuer }));
 * // helm install linkerd-control-plane linkerd/linkerd-control-plane -n linkerd -f values.yaml
 * ```
 */
export function helmValues(opts: HelmIdentityOptions): HelmIdentityValues {
  requireOptions(opts, 'helmValues');
  const issuer = credentialTexts(opts.issuer, 'issuer');
  return {
    identityTrustAnchorsPEM: bundleText(opts.bundle, 'bundle'),
    identity: { issuer: { tls: { crtPEM: issuer.certificate, keyPEM: issuer.key } } },
  };
}

/**
 * Reads the identity PEMs from Helm values (an object or a values YAML text); other values are ignored.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming a missing or empty field, such as
 * `identity.issuer.tls.crtPEM` (absent when the issuer comes from cert-manager).
 * @example
 * ```ts
 * const { bundle, issuer } = readHelmValues(valuesYaml);
 * ```
 */
export function readHelmValues(input: unknown): HelmIdentityPems {
  const values = loadDocument(input, 'Helm values mapping');
  return {
    bundle: readString(values, ['identityTrustAnchorsPEM']),
    issuer: {
      certificate: readString(values, ['identity', 'issuer', 'tls', 'crtPEM']),
      key: readString(values, ['identity', 'issuer', 'tls', 'keyPEM']),
    },
  };
}
