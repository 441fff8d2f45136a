import { requireOptions } from '../validate';
import { loadDocument, readString, requireText } from './manifest';

/** The identity part of the `linkerd-control-plane` chart's values. */
export interface HelmIdentityValues {
  identityTrustAnchorsPEM: string;
  identity: { issuer: { tls: { crtPEM: string; keyPEM: string } } };
}

/** The PEM texts Linkerd's Helm chart takes for identity. */
export interface HelmIdentityPems {
  trustAnchorsPem: string;
  issuerCertPem: string;
  issuerKeyPem: string;
}

/**
 * Values for `helm install linkerd-control-plane` with an issuer you provide (the chart's default
 * `identity.issuer.scheme: linkerd.io/tls`): `identityTrustAnchorsPEM` and `identity.issuer.tls`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text.
 * @example
 * ```ts
 * const values = toYaml(helmValues({ trustAnchorsPem, issuerCertPem, issuerKeyPem }));
 * // helm install linkerd-control-plane linkerd/linkerd-control-plane -n linkerd -f values.yaml
 * ```
 */
export function helmValues(pems: HelmIdentityPems): HelmIdentityValues {
  requireOptions(pems, 'helmValues');
  return {
    identityTrustAnchorsPEM: requireText(pems.trustAnchorsPem, 'trustAnchorsPem'),
    identity: {
      issuer: {
        tls: {
          crtPEM: requireText(pems.issuerCertPem, 'issuerCertPem'),
          keyPEM: requireText(pems.issuerKeyPem, 'issuerKeyPem'),
        },
      },
    },
  };
}

/**
 * Reads the identity PEMs from Helm values (an object or a values YAML text); other values are ignored.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming a missing or empty field, such as
 * `identity.issuer.tls.crtPEM` (absent when the issuer comes from cert-manager).
 * @example
 * ```ts
 * const { trustAnchorsPem, issuerCertPem, issuerKeyPem } = readHelmValues(valuesYaml);
 * ```
 */
export function readHelmValues(input: unknown): HelmIdentityPems {
  const values = loadDocument(input, 'Helm values mapping');
  return {
    trustAnchorsPem: readString(values, ['identityTrustAnchorsPEM']),
    issuerCertPem: readString(values, ['identity', 'issuer', 'tls', 'crtPEM']),
    issuerKeyPem: readString(values, ['identity', 'issuer', 'tls', 'keyPEM']),
  };
}
