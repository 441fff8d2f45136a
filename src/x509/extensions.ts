import {
  ByteCache,
  DerReader,
  decodeString,
  derError,
  readBitString,
  readBoolean,
  readOid,
  readSmallInteger,
  TAG,
} from '../der';
import { isPkiError, PkiError } from '../errors';
import { readName } from './name';
import { OID } from './oids';
import type {
  AccessDescription,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Extension,
  GeneralName,
  NameConstraints,
} from './types';

/** Above this many extensions, duplicates are found with a set rather than by comparing with each. */
const FEW_EXTENSIONS = 16;

/** Reads the `Extensions` SEQUENCE content, refusing duplicates. */
export function readExtensions(r: DerReader, what: string): Extension[] {
  const out: Extension[] = [];
  let seen: Set<string> | undefined;
  while (!r.done) {
    const ext = r.enterNext(TAG.SEQUENCE, what);
    const oid = readOid(ext, what);
    let critical = false;
    try {
      if (ext.peekTag() === TAG.BOOLEAN) critical = readBoolean(ext, 'critical');
      ext.next(TAG.OCTET_STRING, 'value');
      ext.expectEnd('Extension');
    } catch (e) {
      // The extension's name goes into the message only when there is one to write.
      throw isPkiError(e, 'ERR_DER') ? new PkiError('ERR_DER', `${what} ${oid} ${e.message}`) : e;
    }
    if (out.length === FEW_EXTENSIONS) seen = new Set(out.map((x) => x.oid));
    if (seen ? seen.has(oid) : listsOid(out, oid)) {
      throw derError(what, ext.lastStart, `extension ${oid} appears twice`);
    }
    seen?.add(oid);
    out.push({ oid, critical, value: ext.bytes.subarray(ext.lastContent, ext.pos) });
  }
  return out;
}

function listsOid(exts: readonly Extension[], oid: string): boolean {
  for (const e of exts) if (e.oid === oid) return true;
  return false;
}

/** basicConstraints content. */
export function decodeBasicConstraints(v: Uint8Array): BasicConstraints {
  const what = 'basicConstraints';
  const seq = single(v, what);
  let ca = false;
  let pathLen: number | undefined;
  if (seq.peekTag() === TAG.BOOLEAN) ca = readBoolean(seq, what);
  if (seq.peekTag() === TAG.INTEGER) pathLen = readSmallInteger(seq, `${what} pathLenConstraint`);
  seq.expectEnd(what);
  return { ca, pathLen };
}

/** keyUsage content as a bit mask (bit 0 = digitalSignature). */
export function decodeKeyUsage(v: Uint8Array): number {
  const what = 'keyUsage';
  const r = new DerReader(v);
  const { bits } = readBitString(r, what);
  r.expectEnd(what);
  let mask = 0;
  for (let i = 0; i < bits.length && i < 2; i++) {
    for (let b = 0; b < 8; b++) if (bits[i]! & (0x80 >> b)) mask |= 1 << (i * 8 + b);
  }
  return mask;
}

/** extKeyUsage lists met so far, frozen to be shared: the certificates of a PKI carry a few. */
const extKeyUsages = new ByteCache<readonly string[]>(64);

/** extKeyUsage content: the purpose OIDs. */
export function decodeExtKeyUsage(v: Uint8Array): readonly string[] {
  const bucket = extKeyUsages.bucket(v, 0, v.length);
  const known = extKeyUsages.get(bucket, v, 0, v.length);
  if (known) return known;
  const what = 'extKeyUsage';
  const seq = single(v, what);
  const out: string[] = [];
  while (!seq.done) out.push(readOid(seq, what));
  if (out.length === 0) throw derError(what, 0, 'empty extKeyUsage');
  const purposes = Object.freeze(out);
  extKeyUsages.set(bucket, v, 0, v.length, purposes);
  return purposes;
}

/** A key identifier (subjectKeyIdentifier content). */
export function decodeSubjectKeyId(v: Uint8Array): Uint8Array {
  const r = new DerReader(v);
  const id = r.readContent(TAG.OCTET_STRING, 'subjectKeyIdentifier');
  r.expectEnd('subjectKeyIdentifier');
  return id;
}

/** authorityKeyIdentifier content: its keyIdentifier, if any. */
export function decodeAuthorityKeyId(v: Uint8Array): Uint8Array | undefined {
  return decodeAuthorityKeyIdentifier(v).keyId;
}

/** authorityKeyIdentifier content, field by field. */
export function decodeAuthorityKeyIdentifier(v: Uint8Array): AuthorityKeyIdentifier {
  const what = 'authorityKeyIdentifier';
  const seq = single(v, what);
  const keyId = seq.peekTag() === 0x80 ? seq.readContent(0x80, what) : undefined;
  const hasAuthorityCertIssuer = skipOptional(seq, 0xa1, what);
  const hasAuthorityCertSerialNumber = skipOptional(seq, 0x82, what);
  seq.expectEnd(what);
  return { keyId, hasAuthorityCertIssuer, hasAuthorityCertSerialNumber };
}

/** Reads past the next element when it carries `tag`; whether it did. */
function skipOptional(r: DerReader, tag: number, what: string): boolean {
  if (r.peekTag() !== tag) return false;
  r.next(tag, what);
  return true;
}

/** authorityInfoAccess content: one or more AccessDescriptions. */
export function decodeAuthorityInfoAccess(v: Uint8Array): AccessDescription[] {
  const what = 'authorityInfoAccess';
  const seq = single(v, what);
  const out: AccessDescription[] = [];
  while (!seq.done) {
    const desc = seq.enterNext(TAG.SEQUENCE, what);
    const method = readOid(desc, `${what} accessMethod`);
    const location = readGeneralName(desc, `${what} accessLocation`, false);
    desc.expectEnd(what);
    out.push({ method, location });
  }
  if (out.length === 0) throw derError(what, 0, 'no AccessDescription');
  return out;
}

/** GeneralNames content (SAN): one or more names. */
export function decodeGeneralNames(v: Uint8Array, what = 'subjectAltName'): GeneralName[] {
  const seq = single(v, what);
  const out: GeneralName[] = [];
  while (!seq.done) out.push(readGeneralName(seq, what, false));
  if (out.length === 0) throw derError(what, 0, 'empty GeneralNames');
  return out;
}

function readGeneralName(r: DerReader, what: string, constraint: boolean): GeneralName {
  const tag = r.next(undefined, what);
  const at = r.lastStart;
  const v = r.bytes.subarray(r.lastContent, r.pos);
  switch (tag) {
    case 0x81:
      return { type: 'email', value: decodeString(TAG.IA5_STRING, v, `${what} rfc822Name`, at) };
    case 0x82:
      return { type: 'dns', value: decodeString(TAG.IA5_STRING, v, `${what} dNSName`, at) };
    case 0x86:
      return { type: 'uri', value: decodeString(TAG.IA5_STRING, v, `${what} URI`, at) };
    case 0x87: {
      const ok = constraint ? v.length === 8 || v.length === 32 : v.length === 4 || v.length === 16;
      if (!ok) throw derError(what, at, `iPAddress of ${v.length} octets`);
      return { type: 'ip', value: v };
    }
    case 0xa4: {
      const inner = r.enterLast(what);
      const name = readName(inner, `${what} directoryName`);
      inner.expectEnd(what);
      return { type: 'dn', value: name };
    }
    case 0xa0: // otherName
    case 0xa3: // x400Address
    case 0xa5: // ediPartyName
    case 0x88: // registeredID
      return { type: 'other', tag, der: r.bytes.subarray(at, r.pos) };
    default:
      throw derError(what, at, `bad GeneralName tag 0x${tag.toString(16)}`);
  }
}

/** nameConstraints content. */
export function decodeNameConstraints(v: Uint8Array): NameConstraints {
  const what = 'nameConstraints';
  const seq = single(v, what);
  const readSubtrees = (tag: number): GeneralName[] | undefined => {
    const el = seq.readOptional(tag, what);
    if (!el) return undefined;
    const trees = seq.enter(el, what);
    const out: GeneralName[] = [];
    while (!trees.done) {
      const tree = trees.enterNext(TAG.SEQUENCE, what);
      out.push(readGeneralName(tree, what, true));
      // minimum [0] DEFAULT 0 and maximum [1] must be absent in RFC 5280 profiles.
      if (!tree.done) throw derError(what, tree.pos, 'minimum/maximum in a GeneralSubtree are not supported');
    }
    if (out.length === 0) throw derError(what, el.start, 'empty GeneralSubtrees');
    return out;
  };
  const permitted = readSubtrees(0xa0);
  const excluded = readSubtrees(0xa1);
  seq.expectEnd(what);
  if (!permitted && !excluded) throw derError(what, 0, 'nameConstraints with no subtrees');
  return { permitted, excluded };
}

function single(v: Uint8Array, what: string): DerReader {
  const r = new DerReader(v);
  r.next(TAG.SEQUENCE, what);
  r.expectEnd(what);
  return r.enterLast(what);
}

/** Well-known extensions decoded from a list. */
export interface DecodedExtensions {
  basicConstraints: BasicConstraints | undefined;
  keyUsage: number | undefined;
  extKeyUsage: readonly string[] | undefined;
  subjectAltNames: GeneralName[] | undefined;
  subjectKeyId: Uint8Array | undefined;
  authorityKeyId: Uint8Array | undefined;
  nameConstraints: NameConstraints | undefined;
}

/** Decodes the extensions l5d-pki understands; malformed ones throw `ERR_DER`. */
export function decodeKnownExtensions(exts: readonly Extension[]): DecodedExtensions {
  const out: DecodedExtensions = {
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    subjectAltNames: undefined,
    subjectKeyId: undefined,
    authorityKeyId: undefined,
    nameConstraints: undefined,
  };
  for (const e of exts) {
    switch (e.oid) {
      case OID.basicConstraints:
        out.basicConstraints = decodeBasicConstraints(e.value);
        break;
      case OID.keyUsage:
        out.keyUsage = decodeKeyUsage(e.value);
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = decodeExtKeyUsage(e.value);
        break;
      case OID.subjectAltName:
        out.subjectAltNames = decodeGeneralNames(e.value);
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = decodeSubjectKeyId(e.value);
        break;
      case OID.authorityKeyIdentifier:
        out.authorityKeyId = decodeAuthorityKeyId(e.value);
        break;
      case OID.nameConstraints:
        out.nameConstraints = decodeNameConstraints(e.value);
        break;
    }
  }
  return out;
}
