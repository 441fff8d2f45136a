import { PkiError, quoteInput } from '../errors';
import { describeKind } from '../validate';
import { isRecord } from './yaml';
import { fromYaml } from './yaml-read';

/**
 * The namespace Linkerd's control plane runs in by default.
 *
 * @example
 * ```ts
 * issuerSecret({ issuer, bundle }).metadata.namespace === DEFAULT_NAMESPACE; // true
 * ```
 */
export const DEFAULT_NAMESPACE = 'linkerd';

/** The `metadata` l5d-pki writes: a name and a namespace. */
export interface ObjectMeta {
  name: string;
  namespace: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

/**
 * `name` if it is a DNS-1123 subdomain (what the API server requires of most object names).
 *
 * @param field - the argument's name, for the message.
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT`.
 * @example
 * ```ts
 * dnsSubdomain('linkerd-trust-anchor', 'secretName'); // 'linkerd-trust-anchor'
 * ```
 */
export function dnsSubdomain(name: string, field: string): string {
  if (typeof name !== 'string' || name.length > 253 || !name.split('.').every(isLabel)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${field} ${showValue(name)} is not a DNS-1123 subdomain`);
  }
  return name;
}

/**
 * Checked `metadata`: `name` must be a DNS-1123 subdomain and `namespace` a DNS-1123 label.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT`.
 * @example
 * ```ts
 * objectMeta('linkerd-identity-issuer', 'linkerd'); // { name: 'linkerd-identity-issuer', namespace: 'linkerd' }
 * ```
 */
export function objectMeta(name: string, namespace: string): ObjectMeta {
  if (typeof namespace !== 'string' || !isLabel(namespace)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `namespace ${showValue(namespace)} is not a DNS-1123 label`);
  }
  return { name: dnsSubdomain(name, 'name'), namespace };
}

/**
 * `value` if it is a non-empty string, for required text arguments such as PEM inputs.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` naming `field`.
 * @example
 * ```ts
 * requireText(bundle, 'bundle');
 * ```
 */
export function requireText(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${field} must be a non-empty string`);
  }
  return value;
}

/**
 * A path for messages: `data[tls.crt]`, `identity.issuer.tls.crtPEM`.
 *
 * @example
 * ```ts
 * fieldPath(['data', 'tls.crt']); // 'data[tls.crt]'
 * ```
 */
export function fieldPath(path: readonly string[]): string {
  return path.map((p, i) => (p.includes('.') ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * A field's value for a message: a string through {@link quoteInput}, anything else as its JSON when
 * that is as short, or as the kind of value it is.
 *
 * @example
 * ```ts
 * showValue('ConfigMap'); // '"ConfigMap"'
 * showValue(undefined); // 'undefined'
 * ```
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return quoteInput(value);
  let json: string;
  try {
    json = String(JSON.stringify(value));
  } catch {
    return describeKind(value); // a bigint, a cycle, a throwing getter
  }
  return json.length <= 64 ? json : `a ${Array.isArray(value) ? 'list' : 'mapping'}`;
}

/**
 * An `ERR_MANIFEST_INVALID` error.
 *
 * @example
 * ```ts
 * throw manifestError('data[tls.key] is missing');
 * ```
 */
export function manifestError(message: string, cause?: unknown): PkiError {
  return new PkiError('ERR_MANIFEST_INVALID', message, cause === undefined ? undefined : { cause });
}

/**
 * The one mapping in `input`: the object itself, or the single document of a YAML text.
 *
 * @param what - what the caller expects, for messages (e.g. `Secret`).
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID`.
 * @example
 * ```ts
 * loadDocument('kind: Secret\n', 'Secret'); // { kind: 'Secret' }
 * ```
 */
export function loadDocument(input: unknown, what: string): Record<string, unknown> {
  let value = input;
  if (typeof input === 'string') {
    const docs = fromYaml(input);
    if (docs.length !== 1)
      throw manifestError(`expected one YAML document (a ${what}), found ${docs.length}`);
    value = docs[0];
  }
  if (!isRecord(value)) throw manifestError(`expected a ${what} object`);
  return value;
}

/**
 * The one Kubernetes object in `input` (object or YAML text), checked to be of `kind` in `apiVersion`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming `kind` or `apiVersion` when they differ.
 * @example
 * ```ts
 * loadObject(secretYaml, 'v1', 'Secret');
 * ```
 */
export function loadObject(input: unknown, apiVersion: string, kind: string): Record<string, unknown> {
  const obj = loadDocument(input, kind);
  if (obj.kind !== kind) throw manifestError(`kind must be ${kind}, found ${showValue(obj.kind)}`);
  if (obj.apiVersion !== apiVersion) {
    throw manifestError(`apiVersion of a ${kind} must be ${apiVersion}, found ${showValue(obj.apiVersion)}`);
  }
  return obj;
}

/**
 * The value at `path` in `obj`, or `undefined` when a step is missing.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` when a step on the way is not a mapping.
 * @example
 * ```ts
 * readPath({ data: { 'ca.crt': 'x' } }, ['data', 'ca.crt']); // 'x'
 * ```
 */
export function readPath(obj: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = obj;
  for (const [i, key] of path.entries()) {
    if (node === undefined || node === null) return undefined;
    if (!isRecord(node)) throw manifestError(`${fieldPath(path.slice(0, i))} must be a mapping`);
    node = Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

/**
 * The non-empty string at `path`.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` naming the field when it is missing, empty or not a string.
 * @example
 * ```ts
 * readString(configMap, ['data', 'ca-bundle.crt']);
 * ```
 */
export function readString(obj: Record<string, unknown>, path: readonly string[]): string {
  const value = readPath(obj, path);
  if (value === undefined || value === null) throw manifestError(`${fieldPath(path)} is missing`);
  if (typeof value !== 'string' || value === '')
    throw manifestError(`${fieldPath(path)} must be a non-empty string`);
  return value;
}
