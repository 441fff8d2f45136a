import { isPkiError, PkiError } from '../errors';
import type { IssuerInput } from '../issuer/issuer';
import { requireObject, requireOptions } from '../validate';
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

/**
 * The text of `key` in a Secret, from `stringData` (which wins, as on the API server) or base64 `data`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field when it is missing, empty or not base64.
 * @example
 * ```ts
 * secretText(secret, 'tls.crt'); // '-----BEGIN CERTIFICATE-----\n...'
 * ```
 */
export function secretText(secret: Record<string, unknown>, key: string): string {
  if (readPath(secret, ['stringData', key]) !== undefined) return readString(secret, ['stringData', key]);
  const encoded = readString(secret, ['data', key]);
  try {
    return decodeBase64(encoded);
  } catch (e) {
    if (!isPkiError(e, 'ERR_BASE64')) throw e;
    throw manifestError(`data[${key}] is not valid base64: ${e.message}`, e);
  }
}

/**
 * The two ways Linkerd's issuer Secret is laid out (Helm value `identity.issuer.scheme`):
 * - `linkerd.io/tls`, Linkerd's default, what `linkerd install --identity-issuer-certificate-file …` makes:
 *   an ordinary (Opaque) Secret with data keys `crt.pem` and `key.pem`; the anchors stay in the trust-roots
 *   ConfigMap;
 * - `kubernetes.io/tls`, for an external issuer such as cert-manager: type `kubernetes.io/tls` with
 *   `tls.crt`, `tls.key` and `ca.crt`.
 *
 * A Secret's type cannot change in place, so new material must keep the scheme the cluster runs with.
 *
 * @example
 * ```ts
 * const scheme: IssuerSecretScheme = 'linkerd.io/tls';
 * ```
 */
export type IssuerSecretScheme = 'linkerd.io/tls' | 'kubernetes.io/tls';

/**
 * Both {@link IssuerSecretScheme}s, Linkerd's default first.
 *
 * @example
 * ```ts
 * ISSUER_SECRET_SCHEMES.includes('linkerd.io/tls'); // true
 * ```
 */
export const ISSUER_SECRET_SCHEMES: readonly IssuerSecretScheme[] = ['linkerd.io/tls', 'kubernetes.io/tls'];

/** The data keys of each scheme: certificate, key, and (for `kubernetes.io/tls`) the anchors. */
const SCHEME_KEYS = {
  'linkerd.io/tls': { certificate: 'crt.pem', key: 'key.pem' },
  'kubernetes.io/tls': { certificate: 'tls.crt', key: 'tls.key' },
} as const;

/** The issuer Secret of the `linkerd.io/tls` scheme: no type (Opaque), `crt.pem` and `key.pem` in `data`. */
export interface LinkerdIssuerSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  data: { 'crt.pem': string; 'key.pem': string };
}

/** Inputs of {@link issuerSecret}: the issuer, the trust anchors, and where the Secret lives. */
export interface IssuerSecretOptions {
  /**
   * The issuer, in any `IssuerInput` form (`tls.crt` and `tls.key`, or `crt.pem` and `key.pem`). Text is
   * written as it is; objects and DER are encoded (the key as PKCS#8), the certificate followed by its
   * chain but the self-signed root.
   */
  issuer: IssuerInput;
  /**
   * The trust anchor(s) that signed the issuer (`ca.crt`), in any `TrustBundleInput` form. Required for
   * `kubernetes.io/tls`; the `linkerd.io/tls` Secret holds no anchors (they are in the trust-roots
   * ConfigMap), so there it must be absent.
   */
  bundle?: TrustBundleInput;
  /**
   * The layout (see {@link IssuerSecretScheme}). Default `kubernetes.io/tls`, as cert-manager writes it;
   * a cluster installed with `linkerd install --identity-issuer-*` or Helm's `identity.issuer.tls` uses
   * `linkerd.io/tls`.
   */
  scheme?: IssuerSecretScheme;
  /** Default `linkerd`. */
  namespace?: string;
  /** Default `linkerd-identity-issuer`. */
  name?: string;
}

/** What Linkerd's issuer Secret of scheme `kubernetes.io/tls` holds, as PEM texts. */
export interface TlsIssuerCredentials {
  /** `tls.crt` and `tls.key`. */
  issuer: PemCredentials;
  /** `ca.crt`. */
  bundle: string;
  /** Absent for `kubernetes.io/tls`, so these credentials feed {@link issuerSecret} as they are. */
  scheme?: 'kubernetes.io/tls';
}

/** What Linkerd's issuer Secret of scheme `linkerd.io/tls` holds, as PEM texts. */
export interface LinkerdIssuerCredentials {
  /** `crt.pem` and `key.pem`. */
  issuer: PemCredentials;
  scheme: 'linkerd.io/tls';
}

/** What Linkerd's issuer Secret holds, in either scheme. */
export type IssuerCredentials = TlsIssuerCredentials | LinkerdIssuerCredentials;

/**
 * Linkerd's identity issuer Secret in either {@link IssuerSecretScheme}: by default
 * (`kubernetes.io/tls`) as cert-manager writes it, type `kubernetes.io/tls` with `tls.crt`, `tls.key` and
 * `ca.crt`; with `scheme: 'linkerd.io/tls'` as `linkerd install` writes it, an Opaque Secret with `crt.pem`
 * and `key.pem`. Values are base64-encoded in `data`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for an empty PEM text, a missing certificate or key, a
 * missing `bundle` for `kubernetes.io/tls` or one given for `linkerd.io/tls`, an unknown scheme, or an
 * invalid name or namespace; the parsers' codes for unreadable objects or DER.
 * @example
 * ```ts
 * issuerSecret({ issuer, bundle: anchor.pem }).type; // 'kubernetes.io/tls'
 * Object.keys(issuerSecret({ issuer, scheme: 'linkerd.io/tls' }).data); // ['crt.pem', 'key.pem']
 * ```
 */
export function issuerSecret(opts: IssuerSecretOptions & { scheme: 'linkerd.io/tls' }): LinkerdIssuerSecret;
export function issuerSecret(opts: IssuerSecretOptions & { scheme?: 'kubernetes.io/tls' }): TlsSecret;
export function issuerSecret(opts: IssuerSecretOptions): TlsSecret | LinkerdIssuerSecret;
export function issuerSecret(opts: IssuerSecretOptions): TlsSecret | LinkerdIssuerSecret {
  requireOptions(opts, 'issuerSecret');
  const scheme = opts.scheme ?? TLS_TYPE;
  if (scheme !== 'linkerd.io/tls' && scheme !== TLS_TYPE) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `\`scheme\` must be linkerd.io/tls or kubernetes.io/tls, not ${showValue(scheme)}`,
    );
  }
  const issuer = credentialTexts(opts.issuer, 'issuer');
  const name = opts.name ?? 'linkerd-identity-issuer';
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  if (scheme === 'linkerd.io/tls') {
    if (opts.bundle !== undefined) {
      throw new PkiError(
        'ERR_INVALID_ARGUMENT',
        '`bundle` has no place in a linkerd.io/tls issuer Secret: the anchors go in the trust-roots ConfigMap',
      );
    }
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: objectMeta(name, namespace),
      data: { 'crt.pem': encodeBase64(issuer.certificate), 'key.pem': encodeBase64(issuer.key) },
    };
  }
  if (opts.bundle === undefined) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      '`bundle` (ca.crt) is required for a kubernetes.io/tls issuer Secret',
    );
  }
  return tlsSecret(name, namespace, {
    'tls.crt': issuer.certificate,
    'tls.key': issuer.key,
    'ca.crt': bundleText(opts.bundle, 'bundle'),
  });
}

/**
 * The scheme of an issuer Secret object: `kubernetes.io/tls` by its type, `linkerd.io/tls` for an
 * Opaque (or untyped) Secret; `undefined` for any other type.
 *
 * @example
 * ```ts
 * issuerSecretScheme({ kind: 'Secret', data: {} }); // 'linkerd.io/tls'
 * ```
 */
export function issuerSecretScheme(secret: Record<string, unknown>): IssuerSecretScheme | undefined {
  requireObject(secret, 'the Secret');
  const type = secret.type;
  if (type === TLS_TYPE) return TLS_TYPE;
  if (type === undefined || type === null || type === 'Opaque') return 'linkerd.io/tls';
  return undefined;
}

/**
 * Reads Linkerd's issuer Secret back in either scheme, from an object or a YAML text (one document):
 * type `kubernetes.io/tls` gives `tls.crt`, `tls.key` and `ca.crt`; an Opaque (or untyped) Secret gives
 * `crt.pem` and `key.pem` with `scheme: 'linkerd.io/tls'`. Values may come from `data` (strict base64) or
 * `stringData`. The result's `issuer` is an `IssuerInput`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field: wrong kind, apiVersion or type, a missing
 * or empty key of the scheme, or bad base64.
 * @example
 * ```ts
 * const { issuer } = readIssuerSecret(secretYaml);
 * const loaded = loadIssuer(issuer);
 * ```
 */
export function readIssuerSecret(input: unknown): IssuerCredentials {
  const secret = loadObject(input, 'v1', 'Secret');
  const scheme = issuerSecretScheme(secret);
  if (scheme === undefined) {
    throw manifestError(
      `type must be ${TLS_TYPE} or Opaque (linkerd.io/tls), found ${showValue(secret.type)}`,
    );
  }
  const holds = (key: string) =>
    readPath(secret, ['data', key]) !== undefined || readPath(secret, ['stringData', key]) !== undefined;
  if (scheme === 'linkerd.io/tls' && !holds('crt.pem') && holds('tls.crt')) {
    throw manifestError(
      `type must be ${TLS_TYPE}, found ${showValue(secret.type ?? 'Opaque')}: the Secret holds tls.crt, and an Opaque Secret is read as the linkerd.io/tls scheme (crt.pem and key.pem)`,
    );
  }
  const keys = SCHEME_KEYS[scheme];
  const issuer = { certificate: secretText(secret, keys.certificate), key: secretText(secret, keys.key) };
  if (scheme === 'linkerd.io/tls') return { issuer, scheme };
  return { issuer, bundle: secretText(secret, 'ca.crt') };
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
