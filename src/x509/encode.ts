import {
  bitString,
  boolean,
  directoryString,
  explicit,
  ia5String,
  integer,
  octetString,
  oid,
  sequence,
  setOf,
  time,
  tlv,
} from '../der';
import { PkiError } from '../errors';
import { OID } from './oids';

/** A name with one commonName attribute, encoded as Go's crypto/x509 would (PrintableString when possible). */
export function encodeCommonNameOnly(commonName: string): Uint8Array {
  if (commonName.length === 0) return sequence();
  if (commonName.length > 64) {
    throw new PkiError('ERR_NAME_INVALID', `commonName is ${commonName.length} characters; X.520 allows 64`);
  }
  return sequence(setOf(sequence(oid(OID.commonName), directoryString(commonName))));
}

/** One Extension. */
export function encodeExtension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(extOid), boolean(true), octetString(value))
    : sequence(oid(extOid), octetString(value));
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

/** The GeneralNames encoding of `names`. */
export function encodeGeneralNames(names: AltNames): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const d of names.dns ?? []) parts.push(asTagged(0x82, ia5String(d)));
  for (const e of names.email ?? []) parts.push(asTagged(0x81, ia5String(e)));
  for (const ip of names.ip ?? []) parts.push(tlv(0x87, ip));
  for (const u of names.uri ?? []) parts.push(asTagged(0x86, ia5String(u)));
  if (parts.length === 0)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'subjectAltName needs at least one name');
  return sequence(...parts);
}

/** subjectAltName (not critical: the subject is not empty). */
export function subjectAltNameExtension(names: AltNames, critical = false): Uint8Array {
  return encodeExtension(OID.subjectAltName, critical, encodeGeneralNames(names));
}

function asTagged(tag: number, encoded: Uint8Array): Uint8Array {
  const copy = encoded.slice();
  copy[0] = tag;
  return copy;
}

/** Fields of a TBSCertificate (v3). */
export interface TbsFields {
  readonly serial: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
  readonly issuer: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subject: Uint8Array;
  readonly spki: Uint8Array;
  readonly extensions: readonly Uint8Array[];
}

const V3 = explicit(0, integer(2));

/** A v3 TBSCertificate. */
export function encodeTbs(f: TbsFields): Uint8Array {
  return sequence(
    V3,
    integer(f.serial),
    f.signatureAlgorithm,
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, sequence(...f.extensions)),
  );
}

/** The ecdsa-with-SHA256 AlgorithmIdentifier (no parameters). */
export const ECDSA_WITH_SHA256 = sequence(oid(OID.ecdsaWithSha256));

/** A Certificate from its TBS and an ecdsa-with-SHA256 signature. */
export function encodeCertificate(tbs: Uint8Array, signature: Uint8Array): Uint8Array {
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
}
