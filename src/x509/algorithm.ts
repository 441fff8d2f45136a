import { ByteCache, DerReader, derError, readOid, readSmallInteger, TAG } from '../der';
import { OID } from './oids';
import type { HashName, SignatureAlgorithm } from './types';

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
};

const SIMPLE: Readonly<Record<string, [SignatureAlgorithm['kind'], HashName | undefined, string, boolean]>> =
  {
    // oid: [kind, hash, name, parameters must be NULL (true) or absent (false)]
    [OID.ecdsaWithSha1]: ['ecdsa', 'SHA-1', 'ecdsa-with-SHA1', false],
    [OID.ecdsaWithSha256]: ['ecdsa', 'SHA-256', 'ecdsa-with-SHA256', false],
    [OID.ecdsaWithSha384]: ['ecdsa', 'SHA-384', 'ecdsa-with-SHA384', false],
    [OID.ecdsaWithSha512]: ['ecdsa', 'SHA-512', 'ecdsa-with-SHA512', false],
    [OID.md5WithRsa]: ['rsa-pkcs1', 'MD5', 'md5WithRSAEncryption', true],
    [OID.sha1WithRsa]: ['rsa-pkcs1', 'SHA-1', 'sha1WithRSAEncryption', true],
    [OID.sha256WithRsa]: ['rsa-pkcs1', 'SHA-256', 'sha256WithRSAEncryption', true],
    [OID.sha384WithRsa]: ['rsa-pkcs1', 'SHA-384', 'sha384WithRSAEncryption', true],
    [OID.sha512WithRsa]: ['rsa-pkcs1', 'SHA-512', 'sha512WithRSAEncryption', true],
    [OID.ed25519]: ['ed25519', undefined, 'Ed25519', false],
  };

/** Algorithms met so far, by their whole AlgorithmIdentifier encoding. */
const cache = new ByteCache<SignatureAlgorithm>(256);

/** Reads an AlgorithmIdentifier used for signatures. Unknown algorithms come back with kind `unknown`. */
export function readSignatureAlgorithm(r: DerReader, what: string): SignatureAlgorithm {
  r.next(TAG.SEQUENCE, what);
  const { bytes, lastStart: start, pos: end } = r;
  const bucket = cache.bucket(bytes, start, end);
  const hit = cache.get(bucket, bytes, start, end);
  if (hit) return hit;
  // Shared by every certificate that names it: frozen, and nothing decides on its `der` (a copy the
  // cache owns, there to be read), so no holder of one certificate can change another's.
  const alg = Object.freeze(
    parseSignatureAlgorithm(r.enterLast(what), new Uint8Array(bytes.subarray(start, end)), what, start),
  );
  cache.set(bucket, bytes, start, end, alg);
  return alg;
}

function parseSignatureAlgorithm(
  seq: DerReader,
  der: Uint8Array,
  what: string,
  at: number,
): SignatureAlgorithm {
  const oid = readOid(seq, what);
  const simple = SIMPLE[oid];
  if (simple) {
    const [kind, hash, name, nullParams] = simple;
    if (nullParams) {
      // RFC 4055 wants NULL; absent parameters are tolerated as most validators do.
      if (!seq.done) seq.read(TAG.NULL, `${what} parameters`);
    }
    seq.expectEnd(`${what} parameters`);
    return { oid, kind, hash, saltLength: undefined, name, der };
  }
  if (oid === OID.rsassaPss) return parsePss(seq, oid, der, what, at);
  return { oid, kind: 'unknown', hash: undefined, saltLength: undefined, name: oid, der };
}

function readHashAlgorithm(r: DerReader, what: string): HashName | undefined {
  const seq = r.enterNext(TAG.SEQUENCE, what);
  const hash = HASH_BY_OID[readOid(seq, what)];
  if (!seq.done) seq.read(TAG.NULL, what);
  seq.expectEnd(what);
  return hash;
}

function parsePss(
  seq: DerReader,
  oid: string,
  der: Uint8Array,
  what: string,
  at: number,
): SignatureAlgorithm {
  const params = seq.enterNext(TAG.SEQUENCE, `${what} RSASSA-PSS parameters`);
  seq.expectEnd(what);
  let hash: HashName | undefined = 'SHA-1';
  let mgfHash: HashName | undefined = 'SHA-1';
  let saltLength = 20;
  if (params.peekTag() === 0xa0) hash = readHashAlgorithm(params.enterNext(0xa0, what), what);
  if (params.peekTag() === 0xa1) {
    const mgf = params.enterNext(0xa1, what).enterNext(TAG.SEQUENCE, what);
    if (readOid(mgf, what) !== OID.mgf1) throw derError(what, at, 'RSASSA-PSS mask generation is not MGF1');
    mgfHash = readHashAlgorithm(mgf, what);
    mgf.expectEnd(what);
  }
  if (params.peekTag() === 0xa2) saltLength = readSmallInteger(params.enterNext(0xa2, what), what, 1024);
  if (params.peekTag() === 0xa3) {
    if (readSmallInteger(params.enterNext(0xa3, what), what) !== 1)
      throw derError(what, at, 'bad PSS trailer');
  }
  params.expectEnd(what);
  const usable = hash !== undefined && hash === mgfHash;
  return {
    oid,
    kind: usable ? 'rsa-pss' : 'unknown',
    hash: usable ? hash : undefined,
    saltLength,
    name: usable ? `rsassa-pss-${hash}` : 'rsassa-pss (unsupported parameters)',
    der,
  };
}

/** Reads a DER AlgorithmIdentifier from standalone bytes (e.g. a CSR's). */
export function signatureAlgorithmFromDer(der: Uint8Array): SignatureAlgorithm {
  return readSignatureAlgorithm(new DerReader(der), 'signatureAlgorithm');
}
