import { ByteCache, type DerReader, decodeString, derError, readOid, TAG } from '../der';
import { arrayOf, requireFields, requireString } from '../validate';
import { OID } from './oids';
import type { Name, NameAttribute } from './types';

/** Reads a `Name` (RDNSequence) element from `r`. */
export function readName(r: DerReader, what: string): Name {
  r.next(TAG.SEQUENCE, what);
  return decodeName(r, what);
}

/** The decoded attributes of names met as certificate issuers, by DER: a few CAs, met over and over. */
const issuerNames = new ByteCache<Pick<Name, 'rdns' | 'commonName'>>(256);

/**
 * {@link readName} for the issuer field of a certificate. Every certificate a CA issues repeats its name,
 * so decoded issuer names are kept (frozen, so that sharing them is safe) and found again by their bytes.
 */
export function readIssuerName(r: DerReader, what: string): Name {
  r.next(TAG.SEQUENCE, what);
  const { bytes, lastStart: start, pos: end } = r;
  const bucket = issuerNames.bucket(bytes, start, end);
  const known = issuerNames.get(bucket, bytes, start, end);
  if (known) return { der: bytes.subarray(start, end), rdns: known.rdns, commonName: known.commonName };
  // The attributes were just made for this name: frozen where they are, they can be shared.
  const name = decodeName(r, what);
  for (const rdn of name.rdns) {
    for (const attribute of rdn) Object.freeze(attribute);
    Object.freeze(rdn);
  }
  Object.freeze(name.rdns);
  issuerNames.set(bucket, bytes, start, end, { rdns: name.rdns, commonName: name.commonName });
  return name;
}

/** The Name element `r` read last. */
function decodeName(r: DerReader, what: string): Name {
  const der = r.bytes.subarray(r.lastStart, r.pos);
  const seq = r.enterLast(what);
  const rdns: NameAttribute[][] = [];
  let commonName: string | undefined;
  while (!seq.done) {
    const set = seq.enterNext(TAG.SET, what);
    const rdn: NameAttribute[] = [];
    while (!set.done) {
      const atv = set.enterNext(TAG.SEQUENCE, what);
      const oid = readOid(atv, what);
      const tag = atv.next(undefined, what);
      const at = atv.lastStart;
      const content = atv.bytes.subarray(atv.lastContent, atv.pos);
      atv.expectEnd(what);
      const value = decodeString(tag, content, what, at);
      if (oid === OID.commonName) commonName = value;
      rdn.push({ oid, tag, value });
    }
    if (rdn.length === 0) throw derError(what, r.lastStart, 'empty RelativeDistinguishedName');
    rdns.push(rdn);
  }
  return { der, rdns, commonName };
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * A name in OpenSSL's one-line order and style, e.g. `CN=identity.linkerd.cluster.local`.
 *
 * @example
 * ```ts
 * formatName(cert.subject); // 'CN=root.linkerd.cluster.local'
 * ```
 */
export function formatName(name: Name): string {
  requireFields(name, 'the name', {
    rdns: arrayOf(arrayOf((a, what) => requireFields(a, what, { oid: requireString, value: requireString }))),
  });
  return name.rdns
    .map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value}`).join('+'))
    .join(', ');
}
