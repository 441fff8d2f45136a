/**
 * Run-time argument checks for the public API. JavaScript callers have no types, so every exported
 * function checks the shape of what it is given before it reads it, and misuse ends in
 * `ERR_INVALID_ARGUMENT` rather than a `TypeError` from deep inside. Messages name the parameter and
 * the kind of value received, never the value itself (it may be a key).
 *
 * @module
 */
import { PkiError } from './errors';
import type { Certificate, Name, NameAttribute, PublicKeyInfo } from './x509/types';

/**
 * The kind of a value for an error message: `undefined`, `null`, `an array`, `a Uint8Array`, `a number`,
 * ... Never the value itself.
 *
 * @example
 * ```ts
 * describeKind(null); // 'null'
 * describeKind(new ArrayBuffer(1)); // 'an ArrayBuffer'
 * ```
 */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  if (t === 'object') {
    let name: unknown;
    try {
      name = Object.getPrototypeOf(value)?.constructor?.name;
    } catch {
      name = undefined;
    }
    return typeof name === 'string' && name !== '' && name !== 'Object'
      ? `${article(name)} ${name}`
      : 'an object';
  }
  return t === 'undefined' ? 'undefined' : `${article(t)} ${t}`;
}

function article(word: string): string {
  return /^[aeiouAEIOU]/.test(word) ? 'an' : 'a';
}

/** The `ERR_INVALID_ARGUMENT` error for `what`, which should have been `expected`. */
function misuse(what: string, expected: string, value: unknown): PkiError {
  return new PkiError('ERR_INVALID_ARGUMENT', `${what} must be ${expected}, got ${describeKind(value)}`);
}

/**
 * Checks that an options or input object is a plain object (not `null`, an array or a primitive).
 *
 * @example
 * ```ts
 * export function helmValues(pems: HelmIdentityPems) {
 *   requireOptions(pems, 'helmValues');
 *   // ...
 * }
 * ```
 */
export function requireOptions<T>(value: T, fnName: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw misuse(`the argument of ${fnName}()`, 'an object', value);
  }
  return value;
}

/**
 * Like {@link requireOptions}, for an optional options object: `undefined` passes.
 *
 * @example
 * ```ts
 * optionalOptions(opts, 'certManagerIssuer');
 * ```
 */
export function optionalOptions<T>(value: T, fnName: string): T {
  if (value !== undefined) requireOptions(value, fnName);
  return value;
}

/**
 * Checks that `value` is a string.
 *
 * @example
 * ```ts
 * requireString(options.commonName, '`commonName`');
 * ```
 */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw misuse(what, 'a string', value);
  return value;
}

/**
 * Checks that `value` is a string or `undefined`.
 *
 * @example
 * ```ts
 * optionalString(opts.namespace, '`namespace`');
 * ```
 */
export function optionalString(value: unknown, what: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw misuse(what, 'a string', value);
  return value;
}

/**
 * Checks that `value` is a `Uint8Array` (a Node `Buffer` is one).
 *
 * @example
 * ```ts
 * requireBytes(der, 'der');
 * ```
 */
export function requireBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw misuse(what, 'a Uint8Array', value);
  return value;
}

/**
 * Checks that `value` is a number (any number: range checks are the caller's, with their own codes).
 *
 * @example
 * ```ts
 * requireNumber(now, '`now`');
 * ```
 */
export function requireNumber(value: unknown, what: string): number {
  if (typeof value !== 'number') throw misuse(what, 'a number', value);
  return value;
}

/**
 * Checks that `value` is a number or `undefined`.
 *
 * @example
 * ```ts
 * optionalNumber(opts.min, '`min`');
 * ```
 */
export function optionalNumber(value: unknown, what: string): number | undefined {
  if (value !== undefined && typeof value !== 'number') throw misuse(what, 'a number', value);
  return value;
}

/**
 * Checks that `value` is a `Date` (its time may still be invalid: callers check that with their codes).
 *
 * @example
 * ```ts
 * requireDate(input.now, '`now`');
 * ```
 */
export function requireDate(value: unknown, what: string): Date {
  if (!(value instanceof Date)) throw misuse(what, 'a Date', value);
  return value;
}

/**
 * Checks that `value` is a `Date` or `undefined`.
 *
 * @example
 * ```ts
 * optionalDate(options.now, '`now`');
 * ```
 */
export function optionalDate(value: unknown, what: string): Date | undefined {
  if (value !== undefined && !(value instanceof Date)) throw misuse(what, 'a Date', value);
  return value;
}

/**
 * Checks that `value` is a boolean or `undefined`.
 *
 * @example
 * ```ts
 * optionalBoolean(input.stopOnFatal, '`stopOnFatal`');
 * ```
 */
export function optionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw misuse(what, 'a boolean', value);
  return value;
}

/**
 * Checks that `value` is a function.
 *
 * @example
 * ```ts
 * requireFunction(backend.verify, 'the backend `verify`');
 * ```
 */
export function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') throw misuse(what, 'a function', value);
}

/**
 * Checks that `value` is a function or `undefined`.
 *
 * @example
 * ```ts
 * optionalFunction(options.random, '`random`');
 * ```
 */
export function optionalFunction(value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'function') throw misuse(what, 'a function', value);
}

/**
 * Checks that `value` is an array whose every item passes `item` (which throws for a bad one).
 *
 * @example
 * ```ts
 * requireArray(opts.dnsNames, '`dnsNames`', requireString);
 * ```
 */
export function requireArray<T>(value: unknown, what: string, item?: (v: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) throw misuse(what, 'an array', value);
  if (item) for (let i = 0; i < value.length; i++) item(value[i], `${what}[${i}]`);
  return value as T[];
}

/**
 * Like {@link requireArray}, for an optional list: `undefined` passes.
 *
 * @example
 * ```ts
 * optionalArray(opts.usages, '`usages`', requireString);
 * ```
 */
export function optionalArray<T>(
  value: unknown,
  what: string,
  item?: (v: unknown, what: string) => T,
): T[] | undefined {
  return value === undefined ? undefined : requireArray(value, what, item);
}

/**
 * Checks that `value` is a non-null object (any object, arrays included: the caller checks the fields).
 *
 * @example
 * ```ts
 * requireObject(results[i], `results[${i}]`);
 * ```
 */
export function requireObject(value: unknown, what: string): object {
  if (typeof value !== 'object' || value === null) throw misuse(what, 'an object', value);
  return value;
}

/**
 * Checks that `value` is a private key made by the library: an instance of `keyClass` whose `pkcs8`
 * getter works. The getter reads a private field, so an object made with
 * `Object.create(PrivateKey.prototype)` passes `instanceof` but not this check.
 *
 * @example
 * ```ts
 * requireSigningKey(options.key, '`key`', PrivateKey);
 * ```
 */
export function requireSigningKey<K extends { readonly pkcs8: Uint8Array }>(
  value: unknown,
  what: string,
  // biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters.
  keyClass: abstract new (...args: any[]) => K,
): K {
  if (!(value instanceof keyClass)) throw misuse(what, `a ${keyClass.name}`, value);
  let pkcs8: unknown;
  try {
    pkcs8 = value.pkcs8;
  } catch {
    pkcs8 = undefined;
  }
  if (!(pkcs8 instanceof Uint8Array)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what} is not a ${keyClass.name} made by l5d-pki`);
  }
  return value;
}

/**
 * Checks that `value` has the shape of a parsed {@link Name}: its DER and a list of RDNs, each a list of
 * attributes with a string OID and value.
 *
 * @example
 * ```ts
 * requireName(name, 'name');
 * ```
 */
export function requireName(value: unknown, what: string): Name {
  if (isNameShape(value)) return value;
  const name = requireObject(value, what) as Partial<Name>;
  requireBytes(name.der, `${what}.der`);
  requireArray(name.rdns, `${what}.rdns`, (rdn, w) =>
    requireArray(rdn, w, (attr, wa) => {
      const a = requireObject(attr, wa) as Partial<NameAttribute>;
      requireString(a.oid, `${wa}.oid`);
      requireString(a.value, `${wa}.value`);
    }),
  );
  return name as Name;
}

/**
 * Checks that `value` has the shape of a parsed {@link Certificate} (as `parseCertificate` returns):
 * DER, TBS, names, validity dates, public key and extensions of the right types. An object that only
 * imitates one (`{ der }`) is `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * requireCertificate(issuer.certificate, '`issuer.certificate`');
 * ```
 */
export function requireCertificate(value: unknown, what: string): Certificate {
  if (isCertificateShape(value)) return value; // allocation-free on the issuing path
  const cert = requireObject(value, what) as Partial<Certificate>;
  requireBytes(cert.der, `${what}.der`);
  requireBytes(cert.tbs, `${what}.tbs`);
  requireName(cert.subject, `${what}.subject`);
  requireName(cert.issuer, `${what}.issuer`);
  requireDate(cert.notBefore, `${what}.notBefore`);
  requireDate(cert.notAfter, `${what}.notAfter`);
  const key = requireObject(cert.publicKey, `${what}.publicKey`) as Partial<PublicKeyInfo>;
  requireBytes(key.der, `${what}.publicKey.der`);
  requireString(key.kind, `${what}.publicKey.kind`);
  requireArray(cert.extensions, `${what}.extensions`);
  return cert as Certificate;
}

/**
 * Checks that `value` is a certificate authority as `createTrustAnchor`, `createIssuer` and `loadIssuer`
 * return it: a parsed certificate, a real private key (an instance of `keyClass`, with its private
 * fields), and, when present, a chain of parsed certificates.
 *
 * @example
 * ```ts
 * requireAuthority(options.anchor, '`anchor`', PrivateKey);
 * ```
 */
export function requireAuthority<K extends { readonly pkcs8: Uint8Array }>(
  value: unknown,
  what: string,
  // biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters.
  keyClass: abstract new (...args: any[]) => K,
): { readonly certificate: Certificate; readonly key: K } {
  const ca = requireObject(value, what) as { certificate?: unknown; key?: unknown; chain?: unknown };
  requireCertificate(ca.certificate, `${what}.certificate`);
  requireSigningKey(ca.key, `${what}.key`, keyClass);
  if (ca.chain !== undefined) requireArray(ca.chain, `${what}.chain`, requireCertificate);
  return ca as { readonly certificate: Certificate; readonly key: K };
}

/** A check of one field: throws for a bad value; `what` names the field in the message. */
export type FieldCheck = (value: unknown, what: string) => unknown;

/**
 * Checks that `value` is an object whose fields pass their checks, e.g. a result of the library passed
 * back in (`formatPlan(plan)`), so that an imitation with a missing or mistyped field is
 * `ERR_INVALID_ARGUMENT` rather than a `TypeError`.
 *
 * @example
 * ```ts
 * requireFields(plan, 'the plan', { leafValidUntil: requireDate, leafRefreshEvery: requireNumber });
 * ```
 */
export function requireFields<T>(
  value: unknown,
  what: string,
  fields: Readonly<Record<string, FieldCheck>>,
): T {
  const obj = requireObject(value, what) as Record<string, unknown>;
  for (const key of Object.keys(fields)) fields[key]!(obj[key], `${what}.${key}`);
  return obj as T;
}

/**
 * A {@link FieldCheck} for a list whose items pass `item`.
 *
 * @example
 * ```ts
 * requireFields(plan, 'the plan', { events: arrayOf(requireObject) });
 * ```
 */
export function arrayOf(item: FieldCheck): FieldCheck {
  return (value, what) => requireArray(value, what, item);
}

/** Whether `value` has the shape {@link requireName} asks for (without building any message). */
function isNameShape(value: unknown): value is Name {
  if (typeof value !== 'object' || value === null) return false;
  const { der, rdns } = value as Partial<Name>;
  if (!(der instanceof Uint8Array) || !Array.isArray(rdns)) return false;
  for (let i = 0; i < rdns.length; i++) {
    const rdn: unknown = rdns[i];
    if (!Array.isArray(rdn)) return false;
    for (let j = 0; j < rdn.length; j++) {
      const a: unknown = rdn[j];
      if (typeof a !== 'object' || a === null) return false;
      const { oid, value: text } = a as Partial<NameAttribute>;
      if (typeof oid !== 'string' || typeof text !== 'string') return false;
    }
  }
  return true;
}

/** Whether `value` has the shape {@link requireCertificate} asks for (without building any message). */
function isCertificateShape(value: unknown): value is Certificate {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Certificate>;
  const key = c.publicKey;
  return (
    c.der instanceof Uint8Array &&
    c.tbs instanceof Uint8Array &&
    isNameShape(c.subject) &&
    isNameShape(c.issuer) &&
    c.notBefore instanceof Date &&
    c.notAfter instanceof Date &&
    typeof key === 'object' &&
    key !== null &&
    key.der instanceof Uint8Array &&
    typeof key.kind === 'string' &&
    Array.isArray(c.extensions)
  );
}
