import { ByteCache, type DerElement, type DerReader, decodeString, derError, readOid, TAG } from '../der';
import { OID } from './oids';
import type { Name, NameAttribute } from './types';

/** Reads a `Name` (RDNSequence) element from `r`. */
export function readName(r: DerReader, what: string): Name {
  return decodeName(r, r.read(TAG.SEQUENCE, what), what);
}

/** The decoded attributes of names met as certificate issuers, by DER: a few CAs, met over and over. */
const issuerNames = new ByteCache<Pick<Name, 'rdns' | 'commonName'>>(256);

/**
 * {@link readName} for the issuer field of a certificate. Every certificate a CA issues repeats its name,
 * so decoded issuer names are kept (frozen, so that sharing them is safe) and found again by their bytes.
 */
export function readIssuerName(r: DerReader, what: string): Name {
  const el = r.read(TAG.SEQUENCE, what);
  const bucket = issuerNames.bucket(r.bytes, el.start, el.end);
  const known = issuerNames.get(bucket, r.bytes, el.start, el.end);
  if (known) return { der: r.raw(el), rdns: known.rdns, commonName: known.commonName };
  // The attributes were just made for this name: frozen where they are, they can be shared.
  const name = decodeName(r, el, what);
  for (const rdn of name.rdns) {
    for (const attribute of rdn) Object.freeze(attribute);
    Object.freeze(rdn);
  }
  Object.freeze(name.rdns);
  issuerNames.set(bucket, r.bytes, el.start, el.end, { rdns: name.rdns, commonName: name.commonName });
  return name;
}

function decodeName(r: DerReader, el: DerElement, what: string): Name {
  const seq = r.enter(el, what);
  const rdns: NameAttribute[][] = [];
  let commonName: string | undefined;
  while (!seq.done) {
    const set = seq.enterNext(TAG.SET, what);
    const rdn: NameAttribute[] = [];
    while (!set.done) {
      const atv = set.enterNext(TAG.SEQUENCE, what);
      const oid = readOid(atv, what);
      const v = atv.read(undefined, what);
      atv.expectEnd(what);
      const value = decodeString(v.tag, atv.content(v), what, v.start);
      if (oid === OID.commonName) commonName = value;
      rdn.push({ oid, tag: v.tag, value });
    }
    if (rdn.length === 0) throw derError(what, el.start, 'empty RelativeDistinguishedName');
    rdns.push(rdn);
  }
  return { der: r.raw(el), rdns, commonName };
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
  return name.rdns
    .map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value}`).join('+'))
    .join(', ');
}
