import { isPkiError } from '../errors';
import { requireOptions } from '../validate';
import { decodeBase64, encodeBase64 } from './base64';
import {
  DEFAULT_NAMESPACE,
  loadObject,
  manifestError,
  type ObjectMeta,
  objectMeta,
  readPath,
  readString,
  requireText,
  showValue,
} from './manifest';

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

/** Inputs of {@link issuerSecret}: PEM texts and where the Secret lives. */
export interface IssuerSecretOptions {
  /** The issuer certificate (optionally followed by intermediates). */
  certPem: string;
  keyPem: string;
  /** The trust anchor that signed the issuer. */
  caPem: string;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-identity-issuer`. */
  name?: string;
}

/** The PEM texts held by Linkerd's issuer Secret. */
export interface IssuerCredentials {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/**
 * Linkerd's identity issuer Secret (`identity.issuer.scheme: kubernetes.io/tls`), as cert-manager writes
 * it: type `kubernetes.io/tls` with `tls.crt`, `tls.key` and `ca.crt`, base64-encoded.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text or an invalid name or namespace.
 * @example
 * ```ts
 * const secret = issuerSecret({ certPem, keyPem, caPem: anchorPem });
 * secret.metadata; // { name: 'linkerd-identity-issuer', namespace: 'linkerd' }
 * ```
 */
export function issuerSecret(opts: IssuerSecretOptions): TlsSecret {
  requireOptions(opts, 'issuerSecret');
  return tlsSecret(opts.name ?? 'linkerd-identity-issuer', opts.namespace ?? DEFAULT_NAMESPACE, {
    'tls.crt': requireText(opts.certPem, 'certPem'),
    'tls.key': requireText(opts.keyPem, 'keyPem'),
    'ca.crt': requireText(opts.caPem, 'caPem'),
  });
}

/**
 * Reads Linkerd's issuer Secret back, from an object or a YAML text (one document). Values may come from
 * `data` (strict base64) or `stringData`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field: wrong kind, apiVersion or type, a missing
 * or empty `tls.crt`, `tls.key` or `ca.crt`, or bad base64.
 * @example
 * ```ts
 * const { certPem, keyPem, caPem } = readIssuerSecret(toYaml(issuerSecret({ certPem, keyPem, caPem })));
 * ```
 */
export function readIssuerSecret(input: unknown): IssuerCredentials {
  const secret = loadTlsSecret(input);
  return {
    certPem: secretText(secret, 'tls.crt'),
    keyPem: secretText(secret, 'tls.key'),
    caPem: secretText(secret, 'ca.crt'),
  };
}

/** Inputs of {@link trustAnchorSecret}. */
export interface TrustAnchorSecretOptions {
  certPem: string;
  keyPem: string;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-trust-anchor`. */
  name?: string;
}

/** The PEM texts held by a trust-anchor Secret. */
export interface TrustAnchorCredentials {
  certPem: string;
  keyPem: string;
}

/**
 * The trust-anchor Secret a cert-manager CA `Issuer` signs Linkerd's issuer with, as
 * `kubectl create secret tls linkerd-trust-anchor` makes it: `tls.crt` and `tls.key`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text or an invalid name or namespace.
 * @example
 * ```ts
 * trustAnchorSecret({ certPem: anchorPem, keyPem: anchorKeyPem }).metadata.name; // 'linkerd-trust-anchor'
 * ```
 */
export function trustAnchorSecret(opts: TrustAnchorSecretOptions): TlsSecret {
  requireOptions(opts, 'trustAnchorSecret');
  return tlsSecret(opts.name ?? 'linkerd-trust-anchor', opts.namespace ?? DEFAULT_NAMESPACE, {
    'tls.crt': requireText(opts.certPem, 'certPem'),
    'tls.key': requireText(opts.keyPem, 'keyPem'),
  });
}

/**
 * Reads a trust-anchor Secret back (object or YAML text); `ca.crt`, if present, is ignored.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field, as {@link readIssuerSecret}.
 * @example
 * ```ts
 * const { certPem, keyPem } = readTrustAnchorSecret(secretYaml);
 * ```
 */
export function readTrustAnchorSecret(input: unknown): TrustAnchorCredentials {
  const secret = loadTlsSecret(input);
  return { certPem: secretText(secret, 'tls.crt'), keyPem: secretText(secret, 'tls.key') };
}
