import { cryptoBackend } from '../crypto/backend';
import {
  bitString,
  integer,
  oid,
  readOctetAlignedBits,
  readOid,
  readSmallInteger,
  readTopLevel,
  sequence,
  setOf,
  TAG,
  tlv,
} from '../der';
import { PkiError, quoteInput } from '../errors';
import { PrivateKey } from '../keys';
import { decodePemBlock, encodePem, isPemText } from '../pem';
import { isDns1123Subdomain } from '../spiffe/dns';
import { requireIdentityName } from '../spiffe/linkerd';
import { requireOptions, requireSigningKey } from '../validate';
import { readSignatureAlgorithm } from '../x509/algorithm';
import {
  type AltNames,
  ECDSA_WITH_SHA256,
  encodeCommonNameOnly,
  subjectAltNameExtension,
} from '../x509/encode';
import { decodeGeneralNames, readExtensions } from '../x509/extensions';
import { readName } from '../x509/name';
import { OID } from '../x509/oids';
import { parsePublicKeyInfo, readPublicKeyInfo } from '../x509/spki';
import type { Extension, GeneralName, Name, PublicKeyInfo, SignatureAlgorithm } from '../x509/types';

/** Largest CSR l5d-pki parses (64 KiB). */
export const MAX_CSR_SIZE = 64 * 1024;

/** Options of {@link createCsr}. */
export interface CreateCsrOptions {
  /** The key the CSR proves possession of. */
  readonly key: PrivateKey;
  /**
   * The identity: subject CN and the first DNS SAN, e.g.
   * `default.emojivoto.serviceaccount.identity.linkerd.cluster.local`. A Linkerd identity name: lowercase
   * DNS-1123 labels, at most 63 characters each and 253 in all.
   */
  readonly identity: string;
  /**
   * More DNS SANs, after the identity (not for Linkerd's identity service, which wants exactly one); each
   * a lowercase DNS name as the identity is.
   */
  readonly dnsNames?: readonly string[];
  /**
   * URI SANs, e.g. a SPIFFE ID (not for Linkerd's identity service, which refuses them); each an absolute
   * URI (`scheme:…`) of printable ASCII without spaces.
   */
  readonly uris?: readonly string[];
}

/** A CSR as DER (`csr.der`) and PEM. */
export interface CsrOutput {
  /** PKCS#10 DER. */
  readonly der: Uint8Array;
  /** PEM (`CERTIFICATE REQUEST`). */
  readonly pem: string;
}

/**
 * Makes a PKCS#10 CSR as the Linkerd proxy does at start-up: subject CN = identity, one DNS SAN =
 * identity in an extensionRequest, signed with ecdsa-with-SHA256. Names are checked before the key signs.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` when `identity` is not a Linkerd identity name (see
 *   `requireIdentityName`: no wildcard, uppercase, trailing dot, space, NUL, comma or URI; DNS's
 *   length limits); `ERR_NAME_INVALID` for an extra DNS name or URI that is not one;
 *   `ERR_INVALID_ARGUMENT` for names that are not strings.
 * @example
 * ```ts
 * const key = await generateKeyPair();
 * const csr = await createCsr({ key, identity: 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local' });
 * // write key.exportPkcs8() as key.p8 and csr.der as csr.der
 * ```
 */
export async function createCsr(options: CreateCsrOptions): Promise<CsrOutput> {
  requireOptions(options, 'createCsr');
  const key = requireSigningKey(options.key, '`key`', PrivateKey);
  const identity = requireIdentityName(options.identity);
  const names: AltNames = {
    dns: [identity, ...extraNames(options.dnsNames, 'dnsNames', isDns1123Subdomain)],
    uri: extraNames(options.uris, 'uris', isAbsoluteUri),
  };
  const extensionRequest = sequence(
    oid(OID.extensionRequest),
    setOf(sequence(subjectAltNameExtension(names))),
  );
  const info = sequence(
    integer(0),
    encodeCommonNameOnly(identity),
    key.publicKey.spki,
    tlv(0xa0, extensionRequest),
  );
  const signature = await key.sign(info);
  const der = sequence(info, ECDSA_WITH_SHA256, bitString(signature));
  return { der, pem: encodePem('CERTIFICATE REQUEST', der) };
}

/** An absolute URI: a scheme, a colon, then printable ASCII without spaces (RFC 3986's characters). */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;

function isAbsoluteUri(uri: string): boolean {
  return ABSOLUTE_URI.test(uri);
}

/** `names` (an optional array of strings), each checked by `valid`; `ERR_NAME_INVALID` names the first that fails. */
function extraNames(
  names: readonly string[] | undefined,
  what: 'dnsNames' | 'uris',
  valid: (name: string) => boolean,
): readonly string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be an array of strings`);
  }
  for (const name of names) {
    if (!valid(name)) {
      const kind = what === 'uris' ? 'an absolute URI' : 'a lowercase DNS name';
      throw new PkiError('ERR_NAME_INVALID', `${what} entry ${quoteInput(name)} is not ${kind}`);
    }
  }
  return names;
}

/** A parsed PKCS#10 certification request. */
export interface CertificateRequest {
  /** The CSR's DER. */
  readonly der: Uint8Array;
  /** The CertificationRequestInfo bytes the signature covers. */
  readonly info: Uint8Array;
  /** Always 1 (version 0 on the wire). */
  readonly version: number;
  /** Subject name. */
  readonly subject: Name;
  /** The requested public key. */
  readonly publicKey: PublicKeyInfo;
  /** Extensions from an extensionRequest attribute. */
  readonly extensions: readonly Extension[];
  /** Requested subjectAltName entries (empty when none). */
  readonly subjectAltNames: readonly GeneralName[];
  /** Attribute OIDs present, in order. */
  readonly attributes: readonly string[];
  /** Signature algorithm. */
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** Signature bits. */
  readonly signature: Uint8Array;
}

/** SAN values of a CSR or certificate grouped by type. */
export interface SanSummary {
  readonly dns: string[];
  readonly uri: string[];
  readonly email: string[];
  readonly ip: Uint8Array[];
  readonly other: number;
}

/**
 * Groups SAN entries by type.
 *
 * @example
 * ```ts
 * summarizeSans(parseCsr(der).subjectAltNames).dns; // ['default.emojivoto.serviceaccount.identity.linkerd.cluster.local']
 * ```
 */
export function summarizeSans(names: readonly GeneralName[] | undefined): SanSummary {
  if (names !== undefined && !Array.isArray(names))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'summarizeSans takes a list of names');
  const out: SanSummary = { dns: [], uri: [], email: [], ip: [], other: 0 };
  for (const n of names ?? []) {
    if (typeof n !== 'object' || n === null)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'summarizeSans takes a list of names');
    if (n.type === 'dns') out.dns.push(n.value);
    else if (n.type === 'uri') out.uri.push(n.value);
    else if (n.type === 'email') out.email.push(n.value);
    else if (n.type === 'ip') out.ip.push(n.value);
    else (out as { other: number }).other++;
  }
  return out;
}

/**
 * Parses a PKCS#10 CSR from DER or PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`). Malformed
 * input throws `PkiError` `ERR_CSR_INVALID` (or a PEM/size code); the signature is not checked here (see
 * {@link verifyCsr}).
 *
 * @example
 * ```ts
 * const csr = parseCsr(readFileSync('csr.der'));
 * csr.subject.commonName;
 * ```
 */
export function parseCsr(input: Uint8Array | string): CertificateRequest {
  const der = typeof input === 'string' ? csrDerFromText(input) : input;
  if (!(der instanceof Uint8Array))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a CSR must be DER bytes or PEM text');
  if (der.length > MAX_CSR_SIZE) {
    throw new PkiError('ERR_INPUT_TOO_LARGE', `CSR is ${der.length} bytes; the limit is ${MAX_CSR_SIZE}`);
  }
  try {
    // Parsed from a private copy: the result owns its bytes, whatever happens to the caller's buffer.
    // `new Uint8Array` copies the bytes whatever the array's class says (a Buffer's `slice` is a view).
    return parseCsrDer(typeof input === 'string' ? der : new Uint8Array(der));
  } catch (e) {
    if (e instanceof PkiError && e.code === 'ERR_DER') {
      throw new PkiError('ERR_CSR_INVALID', `invalid CSR: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function csrDerFromText(text: string): Uint8Array {
  if (!isPemText(text)) throw new PkiError('ERR_PEM_INVALID', 'CSR text is not PEM');
  return decodePemBlock(text, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']).der;
}

function parseCsrDer(der: Uint8Array): CertificateRequest {
  const outer = readTopLevel(der, TAG.SEQUENCE, 'CertificationRequest');
  const infoEl = outer.read(TAG.SEQUENCE, 'CertificationRequestInfo');
  const signatureAlgorithm = readSignatureAlgorithm(outer, 'signatureAlgorithm');
  const signature = readOctetAlignedBits(outer, 'signature');
  outer.expectEnd('CertificationRequest');

  const info = outer.enter(infoEl, 'CertificationRequestInfo');
  const version = readSmallInteger(info, 'version');
  if (version !== 0) throw new PkiError('ERR_CSR_INVALID', `invalid CSR: version ${version + 1} is not 1`);
  const subject = readName(info, 'subject');
  const publicKey = readPublicKeyInfo(info, 'subjectPKInfo');
  const attrs = info.enterNext(0xa0, 'attributes');
  info.expectEnd('CertificationRequestInfo');
  const attributes: string[] = [];
  let extensions: Extension[] = [];
  while (!attrs.done) {
    const attr = attrs.enterNext(TAG.SEQUENCE, 'attribute');
    const type = readOid(attr, 'attribute type');
    const values = attr.enterNext(TAG.SET, `attribute ${type} values`);
    attr.expectEnd('attribute');
    if (attributes.includes(type))
      throw new PkiError('ERR_CSR_INVALID', `invalid CSR: attribute ${type} appears twice`);
    attributes.push(type);
    if (type === OID.extensionRequest) {
      extensions = readExtensions(values.enterNext(TAG.SEQUENCE, 'extensionRequest'), 'extensionRequest');
      values.expectEnd('extensionRequest');
    }
  }
  const san = extensions.find((e) => e.oid === OID.subjectAltName);
  return {
    der,
    info: outer.raw(infoEl),
    version: 1,
    subject,
    publicKey,
    extensions,
    subjectAltNames: san ? decodeGeneralNames(san.value) : [],
    attributes,
    signatureAlgorithm,
    signature,
  };
}

/**
 * Checks proof of possession: the CSR's signature verifies under its own public key. Supports ECDSA
 * (P-256, P-384) and RSA signatures; anything else is `false`. The key is read again from
 * `csr.publicKey.der`, the bytes a certificate for the CSR would carry, so a hand-built or altered
 * `CertificateRequest` whose key is not a valid public key (an EC point compressed, truncated or off its
 * curve) gives `false`.
 *
 * @example
 * ```ts
 * if (!(await verifyCsr(parseCsr(der)))) throw new Error('bad CSR signature');
 * ```
 */
export async function verifyCsr(csr: CertificateRequest): Promise<boolean> {
  const alg = typeof csr === 'object' && csr !== null ? csr.signatureAlgorithm : undefined;
  if (
    typeof alg !== 'object' ||
    alg === null ||
    !(csr.signature instanceof Uint8Array) ||
    !(csr.info instanceof Uint8Array)
  ) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'verifyCsr takes a CSR from parseCsr');
  }
  if (alg.kind === 'unknown' || alg.kind === 'ed25519' || alg.hash === 'MD5' || alg.hash === 'SHA-1')
    return false;
  let key: PublicKeyInfo;
  try {
    key = parsePublicKeyInfo(csr.publicKey.der);
  } catch {
    return false;
  }
  const keyFits = alg.kind === 'ecdsa' ? key.kind === 'ec' : key.kind === 'rsa';
  if (!keyFits) return false;
  return cryptoBackend().verify(alg, key, csr.signature, csr.info);
}
