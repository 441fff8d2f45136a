import { isPkiError } from '../errors';
import type { IssuerInput } from '../issuer/issuer';
import { requireOptions } from '../validate';
import type { TrustBundleInput } from '../verify/store';
import { decodeBase64, encodeBase64 } from './base64';
import {
  DEFAULT_NAMESPACE,
  loadObject,
  manifestError,
  type ObjectMeta,
  objectMeta,
  readPath,
  readString,
  showValue,
} from './manifest';
import { bundleText, credentialTexts, type PemCredentials } from './material';

const TLS_TYPE = 'kubernetes.io/tls';

/** A Secret of type `kubernetes.io/tls`, values base64-encoded in `data`. */
export interface TlsSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  type: 'kubernetes.io/tls';
  metadata: ObjectMeta;
  data: Record<string, string>;
}

function tlsSecret(name: string, namespace: string, entries: Record<string, string>): TlsSecret {
  const data: Record<string, string> = {};
  for (const [key, text] of Object.entries(entries)) data[key] = encodeBase64(text);
  return { apiVersion: 'v1', kind: 'Secret', type: TLS_TYPE, metadata: objectMeta(name, namespace), data };
}

function loadTlsSecret(input: unknown): Record<string, unknown> {
  const obj = loadObject(input, 'v1', 'Secret');
  if (obj.type !== TLS_TYPE) throw manifestError(`type must be ${TLS_TYPE}, found ${showValue(obj.type)}`);
  return obj;
}

/** The text of `key`, from `stringData` (which wins, as on the API server) or base64 `data`. */
function secretText(secret: Record<string, unknown>, key: string): string {
  if (readPath(secret, ['stringData', key]) !== undefined) return readString(secret, ['stringData', key]);
  const encoded = readString(secret, ['data', key]);
  try {
    return decodeBase64(encoded);
  } catch (e) {
    if (!isPkiError(e, 'ERR_BASE64')) throw e;
    throw manifestError(`data[${key}] is not valid base64: ${e.message}`, e);
  }
}

/** Inputs of {@link issuerSecret}: the issuer, the trust anchors, and where the Secret lives. */
export interface IssuerSecretOptions {
  /**
   * The issuer, in any `IssuerInput` form (`tls.crt` and `tls.key`). Text is written as it is; objects and
   * DER are encoded (the key as PKCS#8), the certificate followed by its chain but the self-signed root.
   */
  issuer: IssuerInput;
  /** The trust anchor(s) that signed the issuer (`ca.crt`), in any `TrustBundleInput` form. */
  bundle: TrustBundleInput;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-identity-issuer`. */
  name?: string;
}

/** What Linkerd's issuer Secret holds, as PEM texts. */
export interface IssuerCredentials {
  /** `tls.crt` and `tls.key`. */
  issuer: PemCredentials;
  /** `ca.crt`. */
  bundle: string;
}

/**
 * Linkerd's identity issuer Secret (`identity.issuer.scheme: kubernetes.io/tls`), as cert-manager writes
 * it: type `kubernetes.io/tls` with `tls.crt`, `tls.key` and `ca.crt`, base64-encoded.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text, a missing certificate or key,
 * or an invalid name or namespace; the parsers' codes for unreadable objects or DER.
 * @example
 * ```ts
 * const secret = issuerSecret({ issuer, bundle: anchor.pem });
 * secret.metadata; // { name: 'linkerd-identity-issuer', namespace: 'linkerd' }
 * ```
 */
export function issuerSecret(opts: IssuerSecretOptions): TlsSecret {
  requireOptions(opts, 'issuerSecret');
  const issuer = credentialTexts(opts.issuer, 'issuer');
  return tlsSecret(opts.name ?? 'linkerd-identity-issuer', opts.namespace ?? DEFAULT_NAMESPACE, {
    'tls.crt': issuer.certificate,
    'tls.key': issuer.key,
    'ca.crt': bundleText(opts.bundle, 'bundle'),
  });
}

/**
 * Reads Linkerd's issuer Secret back, from an object or a YAML text (one document). Values may come from
 * `data` (strict base64) or `stringData`. The result's `issuer` is an `IssuerInput`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field: wrong kind, apiVersion or type, a missing
 * or empty `tls.crt`, `tls.key` or `ca.crt`, or bad base64.
 * @example
 * ```ts
 * const { issuer, bundle } = readIssuerSecret(secretYaml);
 * const loaded = loadIssuer(issuer);
 * ```
 */
export function readIssuerSecret(input: unknown): IssuerCredentials {
  const secret = loadTlsSecret(input);
  return {
    issuer: { certificate: secretText(secret, 'tls.crt'), key: secretText(secret, 'tls.key') },
    bundle: secretText(secret, 'ca.crt'),
  };
}

/** Inputs of {@link trustAnchorSecret}. */
export interface TrustAnchorSecretOptions {
  /** The trust anchor with its key, in any `IssuerInput` form (`tls.crt` and `tls.key`). */
  anchor: IssuerInput;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-trust-anchor`. */
  name?: string;
}

/** What a trust-anchor Secret holds, as PEM texts. */
export interface TrustAnchorCredentials {
  /** `tls.crt` and `tls.key`. */
  anchor: PemCredentials;
}

/**
 * The trust-anchor Secret a cert-manager CA `Issuer` signs Linkerd's issuer with, as
 * `kubectl create secret tls linkerd-trust-anchor` makes it: `tls.crt` and `tls.key`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text, a missing certificate or key, or
 * an invalid name or namespace.
 * @example
 * ```ts
 * trustAnchorSecret({ anchor }).metadata.name; // 'linkerd-trust-anchor'
 * ```
 */
export function trustAnchorSecret(opts: TrustAnchorSecretOptions): TlsSecret {
  requireOptions(opts, 'trustAnchorSecret');
  const anchor = credentialTexts(opts.anchor, 'anchor');
  return tlsSecret(opts.name ?? 'linkerd-trust-anchor', opts.namespace ?? DEFAULT_NAMESPACE, {
    'tls.crt': anchor.certificate,
    'tls.key': anchor.key,
  });
}

/**
 * Reads a trust-anchor Secret back (object or YAML text); `ca.crt`, if present, is ignored.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field, as {@link readIssuerSecret}.
 * @example
 * ```ts
 * const { anchor } = readTrustAnchorSecret(secretYaml); // { certificate, key }
 * ```
 */
export function readTrustAnchorSecret(input: unknown): TrustAnchorCredentials {
  const secret = loadTlsSecret(input);
  return { anchor: { certificate: secretText(secret, 'tls.crt'), key: secretText(secret, 'tls.key') } };
}
