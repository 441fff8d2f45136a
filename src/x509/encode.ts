import {
  bitString,
  boolean,
  type DerNode,
  type DerPart,
  directoryStringPart,
  encodeNode,
  explicit,
  ia5Node,
  integer,
  node,
  octetString,
  oid,
  sequence,
  TAG,
  timeNode,
  tlv,
} from '../der';
import { PkiError } from '../errors';
import { OID } from './oids';

const EMPTY_SEQUENCE = sequence();
const CRITICAL = boolean(true);

/**
 * {@link encodeCommonNameOnly} as a node, to encode with the structure around it. Any length is written,
 * as Go's crypto/x509 writes it: X.520's 64-character upper bound is not enforced by Go, OpenSSL's
 * parser or Linkerd, whose identity names (the CN of every workload certificate) run to DNS's 253.
 */
export function commonNameOnlyNode(commonName: string): DerPart {
  if (commonName.length === 0) return EMPTY_SEQUENCE;
  // One attribute in one set: nothing to sort.
  const attribute = node(TAG.SEQUENCE, oid(OID.commonName), directoryStringPart(commonName));
  return node(TAG.SEQUENCE, node(TAG.SET, attribute));
}

/**
 * A name with one commonName attribute, encoded as Go's crypto/x509 would (PrintableString when possible,
 * any length); an empty commonName gives the empty name.
 */
export function encodeCommonNameOnly(commonName: string): Uint8Array {
  return encodeNode(commonNameOnlyNode(commonName));
}

/** {@link encodeExtension} as a node. */
export function extensionNode(extOid: string, critical: boolean, value: DerPart): DerNode {
  const wrapped = node(TAG.OCTET_STRING, value);
  return critical
    ? node(TAG.SEQUENCE, oid(extOid), CRITICAL, wrapped)
    : node(TAG.SEQUENCE, oid(extOid), wrapped);
}

/** One Extension. */
export function encodeExtension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return encodeNode(extensionNode(extOid, critical, value));
}

/** basicConstraints, critical, CA:TRUE with an optional pathLenConstraint. */
export function caBasicConstraints(pathLen: number | null): Uint8Array {
  if (pathLen !== null && (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 255)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `pathLen must be an integer from 0 to 255 or null, got ${pathLen}`,
    );
  }
  const body = pathLen === null ? sequence(boolean(true)) : sequence(boolean(true), integer(pathLen));
  return encodeExtension(OID.basicConstraints, true, body);
}

/** keyUsage, critical, from a bit mask (bit 0 = digitalSignature), in DER's minimal named-bit form. */
export function keyUsageExtension(mask: number): Uint8Array {
  let highest = -1;
  for (let b = 0; b < 9; b++) if (mask & (1 << b)) highest = b;
  if (highest < 0) throw new PkiError('ERR_INVALID_ARGUMENT', 'keyUsage needs at least one bit');
  const bytes = new Uint8Array(highest < 8 ? 1 : 2);
  for (let b = 0; b <= highest; b++) if (mask & (1 << b)) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest & 7);
  return encodeExtension(OID.keyUsage, true, bitString(bytes, unused));
}

/** extKeyUsage (not critical) with the given purpose OIDs. */
export function extKeyUsageExtension(purposes: readonly string[]): Uint8Array {
  return encodeExtension(OID.extKeyUsage, false, sequence(...purposes.map(oid)));
}

/** subjectKeyIdentifier. */
export function subjectKeyIdExtension(keyId: Uint8Array): Uint8Array {
  return encodeExtension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

/** authorityKeyIdentifier with a keyIdentifier only. */
export function authorityKeyIdExtension(keyId: Uint8Array): Uint8Array {
  return encodeExtension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyId)));
}

/** Names for a subjectAltName, in Go's order (DNS, email, IP, URI). */
export interface AltNames {
  readonly dns?: readonly string[];
  readonly email?: readonly string[];
  readonly ip?: readonly Uint8Array[];
  readonly uri?: readonly string[];
}

/** {@link encodeGeneralNames} as a node. */
export function generalNamesNode(names: AltNames): DerNode {
  const parts: DerPart[] = [];
  for (const d of names.dns ?? []) parts.push(ia5Node(d, 0x82));
  for (const e of names.email ?? []) parts.push(ia5Node(e, 0x81));
  for (const ip of names.ip ?? []) parts.push(tlv(0x87, ip));
  for (const u of names.uri ?? []) parts.push(ia5Node(u, 0x86));
  if (parts.length === 0)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'subjectAltName needs at least one name');
  return node(TAG.SEQUENCE, ...parts);
}

/** The GeneralNames encoding of `names`. */
export function encodeGeneralNames(names: AltNames): Uint8Array {
  return encodeNode(generalNamesNode(names));
}

/** {@link subjectAltNameExtension} as a node. */
export function subjectAltNameNode(names: AltNames, critical = false): DerNode {
  return extensionNode(OID.subjectAltName, critical, generalNamesNode(names));
}

/** subjectAltName (not critical: the subject is not empty). */
export function subjectAltNameExtension(names: AltNames, critical = false): Uint8Array {
  return encodeNode(subjectAltNameNode(names, critical));
}

/** Fields of a TBSCertificate (v3); names and extensions may be nodes, encoded with the whole. */
export interface TbsFields {
  readonly serial: Uint8Array;
  readonly issuer: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subject: DerPart;
  readonly spki: Uint8Array;
  readonly extensions: readonly DerPart[];
}

const V3 = explicit(0, integer(2));

/** A v3 TBSCertificate to be signed with `signatureAlgorithm` (an AlgorithmIdentifier), written in one pass. */
export function encodeTbs(f: TbsFields, signatureAlgorithm: Uint8Array): Uint8Array {
  return encodeNode(
    node(
      TAG.SEQUENCE,
      V3,
      integer(f.serial),
      signatureAlgorithm,
      f.issuer,
      node(TAG.SEQUENCE, timeNode(f.notBefore), timeNode(f.notAfter)),
      f.subject,
      f.spki,
      node(0xa3, node(TAG.SEQUENCE, ...f.extensions)),
    ),
  );
}

/** The ecdsa-with-SHA256 AlgorithmIdentifier (no parameters). */
export const ECDSA_WITH_SHA256 = sequence(oid(OID.ecdsaWithSha256));

const NO_UNUSED_BITS = new Uint8Array([0]);

/** A Certificate from its TBS and an ecdsa-with-SHA256 signature. */
export function encodeCertificate(tbs: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeNode(
    node(TAG.SEQUENCE, tbs, ECDSA_WITH_SHA256, node(TAG.BIT_STRING, NO_UNUSED_BITS, signature)),
  );
}
