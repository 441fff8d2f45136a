import { X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { DerReader, ia5String, oid, readTime, sequence, tlv, utf8String } from '../src/der';
import { createIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { issueLeafForKey } from '../src/leaf';
import { decodePem } from '../src/pem';
import { type Certificate, type GeneralName, KeyUsage, OID, parseCertificate } from '../src/x509';
import { encodeCommonNameOnly, encodeExtension } from '../src/x509/encode';
import { signCertificateDer } from '../src/x509/mint';
import { dataBytes } from './helpers/fixtures';
import { codeOf, hex, IDENTITY, NOW, SPIFFE_ID, seededRandom } from './helpers/pki';

/** Every twelfth distinct certificate goes to Node: about 2,500, the same ones on every run. */
const SAMPLE_EVERY = 12;
/** Of those, every twentieth also goes to pkijs (slow: milliseconds per certificate). */
const PKIJS_EVERY = 20;

interface LimboCase {
  readonly id: string;
  readonly expected_result: 'SUCCESS' | 'FAILURE';
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
}

/** One distinct certificate of the suite and the cases it appears in. */
interface LimboCert {
  readonly pem: string;
  readonly expected: Set<'SUCCESS' | 'FAILURE'>;
  readonly ids: string[];
}

function loadLimbo(): LimboCert[] {
  const json = JSON.parse(gunzipSync(dataBytes('conformance/limbo-dev.json.gz')).toString('utf8')) as {
    testcases: LimboCase[];
  };
  const byPem = new Map<string, LimboCert>();
  for (const tc of json.testcases) {
    for (const pem of [...tc.trusted_certs, ...tc.untrusted_intermediates, tc.peer_certificate]) {
      let c = byPem.get(pem);
      if (!c) {
        c = { pem, expected: new Set(), ids: [] };
        byPem.set(pem, c);
      }
      c.expected.add(tc.expected_result);
      c.ids.push(tc.id);
    }
  }
  return [...byPem.values()];
}

/** A DER INTEGER's content octets as a signed bigint. */
function signedBigInt(bytes: Uint8Array): bigint {
  const n = BigInt(`0x${hex(bytes) || '0'}`);
  return bytes.length && bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

/** Node's `serialNumber` (hex, maybe with a minus sign) as a bigint. */
function nodeSerial(s: string): bigint {
  return s.startsWith('-') ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
}

/** The last `CN=` of Node's one-attribute-per-line name, or undefined. */
function nodeCommonName(name: string): string | undefined {
  const cns = name.split('\n').filter((l) => l.startsWith('CN='));
  return cns.length ? cns.at(-1)!.slice(3) : undefined;
}

/** Whether Node prints `value` verbatim (no RFC 2253 escaping, no control or non-ASCII characters). */
const printsVerbatim = (value: string) =>
  /^[A-Za-z0-9._*:/@()'=?-](?:[A-Za-z0-9 ._*:/@()'=?-]*[A-Za-z0-9._*:/@()'=?-])?$/.test(value);

/** Node's `subjectAltName` entries; JSON-quoted values (those with special characters) are unquoted. */
function nodeSans(s: string | null | undefined): {
  dns: string[];
  uri: string[];
  ip: string[];
  quoted: boolean;
} {
  const out = { dns: [] as string[], uri: [] as string[], ip: [] as string[], quoted: false };
  if (!s) return out;
  const re =
    /(DNS|URI|IP Address|email|othername|DirName|Registered ID|X400Name|EdiPartyName):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (const m of s.matchAll(re)) {
    let v = m[2]!;
    if (v.startsWith('"')) {
      out.quoted = true;
      v = JSON.parse(v) as string;
    }
    if (m[1] === 'DNS') out.dns.push(v);
    else if (m[1] === 'URI') out.uri.push(v);
    else if (m[1] === 'IP Address') out.ip.push(v);
  }
  return out;
}

/** An iPAddress as OpenSSL prints it: dotted IPv4, or eight uppercase hex groups without zero compression. */
function formatIp(ip: Uint8Array): string {
  if (ip.length === 4) return Array.from(ip).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16).toUpperCase());
  return groups.join(':');
}

function describeSans(names: readonly GeneralName[]): string {
  return names.map((n) => (n.type === 'other' ? `[tag 0x${n.tag.toString(16)}]` : `${n.type}`)).join(', ');
}

function ourSans(names: readonly GeneralName[] | undefined) {
  const dns: string[] = [];
  const uri: string[] = [];
  const ip: string[] = [];
  for (const n of names ?? []) {
    if (n.type === 'dns') dns.push(n.value);
    else if (n.type === 'uri') uri.push(n.value);
    else if (n.type === 'ip') ip.push(formatIp(n.value));
  }
  return { dns, uri, ip };
}

/** keyUsage bits as pkijs/asn1js read them, in l5d-pki's mask layout (bit 0 = digitalSignature). */
function pkijsKeyUsage(cert: pkijs.Certificate): number | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.BitString)) return undefined;
  const bits = parsed.result.valueBlock.valueHexView;
  let mask = 0;
  for (let i = 0; i < bits.length && i < 2; i++) {
    for (let b = 0; b < 8; b++) if (bits[i]! & (0x80 >> b)) mask |= 1 << (i * 8 + b);
  }
  return mask;
}

type Field =
  | 'serial'
  | 'subjectCN'
  | 'issuerCN'
  | 'notBefore'
  | 'notAfter'
  | 'san'
  | 'eku'
  | 'keyUsage'
  | 'ca'
  | 'spki';

describe('x509-limbo certificates: our parser against Node and pkijs', () => {
  let corpus: LimboCert[];
  const ours = new Map<LimboCert, Certificate | Error>();

  beforeAll(() => {
    corpus = loadLimbo();
    for (const c of corpus) {
      try {
        ours.set(c, parseCertificate(c.pem));
      } catch (e) {
        ours.set(c, e as Error);
      }
    }
  });

  it('every certificate we refuse is one limbo expects to FAIL with, or one Node refuses too', () => {
    const refused = corpus.filter((c) => ours.get(c) instanceof Error);
    const unexplained: string[] = [];
    let nodeAlsoRefuses = 0;
    for (const c of refused) {
      const err = ours.get(c) as Error & { code?: string };
      expect(err.name, err.message).toBe('PkiError');
      let nodeParses = true;
      try {
        new X509Certificate(c.pem);
      } catch {
        nodeParses = false;
        nodeAlsoRefuses++;
      }
      if (nodeParses && c.expected.has('SUCCESS'))
        unexplained.push(`${c.ids[0]}: ${err.code} ${err.message}`);
    }
    console.log(
      `limbo: ${corpus.length} distinct certificates; l5d-pki parses ${corpus.length - refused.length}, ` +
        `refuses ${refused.length} (all in FAILURE cases: ${refused.length - unexplained.length}; ` +
        `Node refuses ${nodeAlsoRefuses} of them too)`,
    );
    expect(unexplained).toEqual([]);
    expect(corpus.length).toBeGreaterThan(20_000);
  });

  it(`fields agree with Node's X509Certificate (keyUsage with pkijs) on every ${SAMPLE_EVERY}th certificate`, () => {
    const mismatches: Record<Field, string[]> = {
      serial: [],
      subjectCN: [],
      issuerCN: [],
      notBefore: [],
      notAfter: [],
      san: [],
      eku: [],
      keyUsage: [],
      ca: [],
      spki: [],
    };
    const compared: Record<Field, number> = {
      serial: 0,
      subjectCN: 0,
      issuerCN: 0,
      notBefore: 0,
      notAfter: 0,
      san: 0,
      eku: 0,
      keyUsage: 0,
      ca: 0,
      spki: 0,
    };
    let sampled = 0;
    let nodeRefused = 0;
    for (let i = 0; i < corpus.length; i += SAMPLE_EVERY) {
      const c = corpus[i]!;
      const mine = ours.get(c);
      if (!mine || mine instanceof Error) continue;
      let node: X509Certificate;
      try {
        node = new X509Certificate(c.pem);
      } catch {
        nodeRefused++;
        continue;
      }
      sampled++;
      const id = c.ids[0]!;
      const check = (field: Field, a: unknown, b: unknown) => {
        compared[field]++;
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          mismatches[field].push(`${id}: ours ${JSON.stringify(a)} node ${JSON.stringify(b)}`);
        }
      };
      check(
        'serial',
        signedBigInt(mine.serialNumber).toString(16),
        nodeSerial(node.serialNumber).toString(16),
      );
      for (const [field, ourName, nodeName] of [
        ['subjectCN', mine.subject, node.subject],
        ['issuerCN', mine.issuer, node.issuer],
      ] as const) {
        const cn = ourName.commonName;
        if (cn === undefined || printsVerbatim(cn)) check(field, cn, nodeCommonName(nodeName));
      }
      check('notBefore', mine.notBefore.getTime(), Date.parse(node.validFrom));
      check('notAfter', mine.notAfter.getTime(), Date.parse(node.validTo));
      const theirs = nodeSans(node.subjectAltName);
      if (mine.subjectAltNames && node.subjectAltName == null) {
        // OpenSSL could not decode the extension at all, so Node shows none; a strict parser refuses it.
        compared.san++;
        mismatches.san.push(
          `${id}: OpenSSL cannot decode this subjectAltName; ours read ${describeSans(mine.subjectAltNames)}`,
        );
      } else if (!theirs.quoted) {
        check('san', ourSans(mine.subjectAltNames), { dns: theirs.dns, uri: theirs.uri, ip: theirs.ip });
      }
      // Node calls the extKeyUsage OIDs `keyUsage`.
      check('eku', mine.extKeyUsage, node.keyUsage);
      // Node's `ca` is OpenSSL's X509_check_ca() == 1: CA:TRUE, and keyCertSign if keyUsage is present.
      const ku = mine.keyUsage;
      check(
        'ca',
        mine.basicConstraints?.ca === true && (ku === undefined || (ku & KeyUsage.keyCertSign) !== 0),
        node.ca,
      );
      let spki: Uint8Array | undefined;
      try {
        spki = new Uint8Array(node.publicKey.export({ type: 'spki', format: 'der' }));
      } catch {
        spki = undefined;
      }
      if (spki) check('spki', hex(mine.publicKey.der), hex(spki));
      // pkijs/asn1js take milliseconds per certificate: keyUsage on a twentieth of the sample.
      if (i % (SAMPLE_EVERY * PKIJS_EVERY) === 0)
        check('keyUsage', mine.keyUsage, pkijsKeyUsage(pkijs.Certificate.fromBER(mine.der.slice())));
    }
    const figures = (Object.keys(compared) as Field[]).map(
      (f) => `${f} ${compared[f] - mismatches[f].length}/${compared[f]}`,
    );
    console.log(
      `limbo sample: ${sampled} certificates compared with Node (${nodeRefused} Node refused): ${figures.join(', ')}`,
    );
    expect(sampled).toBeGreaterThan(2_000);
    for (const f of Object.keys(mismatches) as Field[]) expect(mismatches[f].slice(0, 5), f).toEqual([]);
  });
});

describe('our minted certificates through pkijs and asn1js', () => {
  let minted: { name: string; der: Uint8Array }[];

  beforeAll(async () => {
    const random = seededRandom('pkijs');
    const anchor = await createTrustAnchor({ now: NOW, random, serial: (1n << 158n) + 12345n });
    const flat = await createTrustAnchor({ now: NOW, random, pathLen: null, commonName: 'flat.example' });
    const issuer = await createIssuer({ anchor, now: NOW, random });
    const deep = await createIssuer({ anchor, now: NOW, random, pathLen: null, commonName: 'mid.example' });
    const key = await generateKeyPair({ random });
    const leaf = await issueLeafForKey({
      issuer,
      publicKey: key.publicKey,
      identity: IDENTITY,
      now: NOW,
      random,
    });
    const plain = await issueLeafForKey({
      issuer,
      publicKey: key.publicKey,
      identity: IDENTITY,
      now: NOW,
      random,
      spiffe: false,
      serial: 1n,
    });
    // Times from 2050 on are GeneralizedTime.
    const late = new Date('2049-12-31T12:00:00Z');
    const lateAnchor = await createTrustAnchor({ now: late, random, lifetime: 2 * 86_400_000 });
    const lateIssuer = await createIssuer({ anchor: lateAnchor, now: late, random });
    const lateLeaf = await issueLeafForKey({
      issuer: lateIssuer,
      publicKey: key.publicKey,
      identity: IDENTITY,
      now: late,
      random,
    });
    minted = [
      { name: 'anchor', der: anchor.der },
      { name: 'anchor without pathLen', der: flat.der },
      { name: 'issuer', der: issuer.der },
      { name: 'issuer without pathLen', der: deep.der },
      { name: 'leaf', der: leaf.der },
      { name: 'Linkerd leaf (spiffe: false)', der: plain.der },
      { name: 'anchor across 2050', der: lateAnchor.der },
      { name: 'issuer across 2050', der: lateIssuer.der },
      { name: 'leaf across 2050', der: lateLeaf.der },
    ];
  });

  it('parse to plain data: structuredClone (a worker’s postMessage) and a spread keep every field', () => {
    for (const { name, der } of minted) {
      const cert = parseCertificate(der);
      expect(Object.getPrototypeOf(cert), name).toBe(Object.prototype);
      const clone = structuredClone(cert);
      expect(Object.keys(clone), name).toEqual(Object.keys(cert));
      expect(clone, name).toEqual(cert);
      expect({ ...cert }, name).toEqual(cert);
    }
  });

  it('asn1js reads each as one DER value and re-encodes it byte for byte', () => {
    for (const { name, der } of minted) {
      const parsed = asn1js.fromBER(der);
      expect(parsed.offset, name).toBe(der.length);
      expect(hex(new Uint8Array(parsed.result.toBER())), name).toBe(hex(der));
    }
  });

  it('pkijs reads the same fields as our parser', () => {
    const rows: string[] = [];
    for (const { name, der } of minted) {
      const mine = parseCertificate(der);
      const p = pkijs.Certificate.fromBER(der.slice());
      const cn = (rdns: pkijs.RelativeDistinguishedNames) =>
        rdns.typesAndValues
          .filter((t) => t.type === OID.commonName)
          .map((t) => String(t.value.valueBlock.value));
      expect(p.version, name).toBe(2);
      expect(hex(p.serialNumber.valueBlock.valueHexView), name).toBe(mine.serialHex);
      expect(cn(p.subject), name).toEqual(mine.subject.commonName ? [mine.subject.commonName] : []);
      expect(cn(p.issuer), name).toEqual(mine.issuer.commonName ? [mine.issuer.commonName] : []);
      expect(p.notBefore.value.getTime(), name).toBe(mine.notBefore.getTime());
      expect(p.notAfter.value.getTime(), name).toBe(mine.notAfter.getTime());
      expect(p.signatureAlgorithm.algorithmId, name).toBe(OID.ecdsaWithSha256);
      expect(p.signature.algorithmId, name).toBe(OID.ecdsaWithSha256);
      expect(hex(p.tbsView), name).toBe(hex(mine.tbs));
      expect(hex(new Uint8Array(p.subjectPublicKeyInfo.toSchema().toBER())), name).toBe(
        hex(mine.publicKey.der),
      );
      expect(hex(p.signatureValue.valueBlock.valueHexView), name).toBe(hex(mine.signature));
      const exts = p.extensions ?? [];
      expect(
        exts.map((e) => [e.extnID, e.critical]),
        name,
      ).toEqual(mine.extensions.map((e) => [e.oid, e.critical]));
      expect(pkijsKeyUsage(p), name).toBe(mine.keyUsage);
      for (const e of exts) {
        const v = e.parsedValue as unknown;
        if (e.extnID === OID.basicConstraints) {
          const bc = v as pkijs.BasicConstraints;
          expect(bc.cA, name).toBe(mine.basicConstraints?.ca);
          const pl = bc.pathLenConstraint;
          expect(
            pl === undefined ? undefined : typeof pl === 'number' ? pl : pl.valueBlock.valueDec,
            name,
          ).toBe(mine.basicConstraints?.pathLen);
        } else if (e.extnID === OID.subjectAltName) {
          const names = (v as pkijs.AltName).altNames.map((g) => [g.type, String(g.value)]);
          const expected = (mine.subjectAltNames ?? []).map((n) =>
            n.type === 'dns' ? [2, n.value] : n.type === 'uri' ? [6, n.value] : [-1, n.type],
          );
          expect(names, name).toEqual(expected);
        } else if (e.extnID === OID.subjectKeyIdentifier) {
          expect(hex((v as asn1js.OctetString).valueBlock.valueHexView), name).toBe(hex(mine.subjectKeyId!));
        } else if (e.extnID === OID.authorityKeyIdentifier) {
          const aki = v as pkijs.AuthorityKeyIdentifier;
          expect(hex(aki.keyIdentifier!.valueBlock.valueHexView), name).toBe(hex(mine.authorityKeyId!));
        } else if (e.extnID === OID.extKeyUsage) {
          expect((v as pkijs.ExtKeyUsage).keyPurposes, name).toEqual(mine.extKeyUsage);
        }
      }
      rows.push(`${name}: ${exts.length} extensions`);
    }
    expect(rows).toHaveLength(minted.length);
  });

  it('Node agrees too, including GeneralizedTime after 2049', () => {
    for (const { name, der } of minted) {
      const mine = parseCertificate(der);
      const node = new X509Certificate(der);
      expect(Date.parse(node.validFrom), name).toBe(mine.notBefore.getTime());
      expect(Date.parse(node.validTo), name).toBe(mine.notAfter.getTime());
      expect(nodeSerial(node.serialNumber), name).toBe(signedBigInt(mine.serialNumber));
    }
    const late = minted.find((m) => m.name === 'leaf across 2050')!;
    expect(parseCertificate(late.der).notAfter.getUTCFullYear()).toBe(2050);
    const leaf = minted.find((m) => m.name === 'leaf')!;
    expect(new X509Certificate(leaf.der).subjectAltName).toBe(`DNS:${IDENTITY}, URI:${SPIFFE_ID}`);
  });

  it('a PEM of our own is read the same as its DER', () => {
    const { der } = minted[0]!;
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(decodePem(pem)[0]!.der).toEqual(der);
    expect(parseCertificate(pem).serialHex).toBe(parseCertificate(der).serialHex);
  });
});

/** A self-signed certificate for `commonName` carrying exactly `extensions`, its key drawn from `seed`. */
async function selfSignedWith(
  seed: string,
  commonName: string,
  extensions: Uint8Array[],
): Promise<Uint8Array> {
  const key = await generateKeyPair({ random: seededRandom(seed) });
  const name = encodeCommonNameOnly(commonName);
  return signCertificateDer(
    {
      serial: Uint8Array.of(1),
      issuer: name,
      subject: name,
      notBefore: NOW.getTime(),
      notAfter: NOW.getTime() + 86_400_000,
      spki: key.publicKey.spki,
      extensions,
    },
    key,
    { random: seededRandom(seed) },
  );
}

describe('subjectAltName GeneralName forms', () => {
  /** A leaf whose SAN is exactly `entries` (each a full GeneralName TLV). */
  const leafWithSan = (...entries: Uint8Array[]) =>
    selfSignedWith('san-forms', 'san.example', [
      encodeExtension(OID.subjectAltName, false, sequence(...entries)),
    ]);
  const dns = tlv(0x82, new TextEncoder().encode('ok.example'));
  const text = new TextEncoder().encode('http://test.localhost');

  it('valid CHOICE forms parse: otherName [0] and ediPartyName [5] constructed, registeredID [8] primitive', async () => {
    const otherName = tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, utf8String('upn@example.com')));
    const edi = tlv(0xa5, tlv(0xa1, utf8String('party')));
    const registered = tlv(0x88, oid('1.2.3.4').subarray(2));
    const der = await leafWithSan(dns, otherName, edi, registered);
    const cert = parseCertificate(der);
    expect(cert.subjectAltNames?.map((n) => (n.type === 'other' ? n.tag : n.type))).toEqual([
      'dns',
      0xa0,
      0xa5,
      0x88,
    ]);
    expect(new X509Certificate(der).subjectAltName).toMatch(/^DNS:ok\.example, othername:/);
  });

  // A SAN entry in the other form of its tag (primitive where the CHOICE is constructed, or the reverse) is
  // not DER. OpenSSL cannot decode such a SAN (Node shows none); 20 x509-limbo BetterTLS leaves carry one.
  it('primitive otherName [0], x400Address [3], directoryName [4], ediPartyName [5] are refused, as OpenSSL does', async () => {
    const accepted: string[] = [];
    for (const tag of [0x80, 0x83, 0x84, 0x85]) {
      const der = await leafWithSan(dns, tlv(tag, text));
      expect(new X509Certificate(der).subjectAltName ?? null).toBeNull();
      if (codeOf(() => parseCertificate(der)) !== 'ERR_CERT_INVALID') accepted.push(`0x${tag.toString(16)}`);
    }
    expect(accepted).toEqual([]);
  });

  it('constructed rfc822Name [1], dNSName [2], URI [6], iPAddress [7], registeredID [8] are refused', async () => {
    const accepted: string[] = [];
    for (const tag of [0xa1, 0xa2, 0xa6, 0xa7, 0xa8]) {
      const der = await leafWithSan(dns, tlv(tag, ia5String('x.example')));
      if (codeOf(() => parseCertificate(der)) !== 'ERR_CERT_INVALID') accepted.push(`0x${tag.toString(16)}`);
    }
    expect(accepted).toEqual([]);
  });
});

describe('malformed extension fields', () => {
  it('name the extension in the error: a non-DER critical flag, a missing extnValue', async () => {
    const withExtension = (ext: Uint8Array) => selfSignedWith('bad-ext', 'bad-ext.example', [ext]);
    const basicConstraints = oid(OID.basicConstraints);
    const value = tlv(0x04, sequence());
    const cases: [Uint8Array, RegExp][] = [
      [sequence(basicConstraints, tlv(0x01, Uint8Array.of(1)), value), /extensions 2\.5\.29\.19 critical: /],
      [sequence(basicConstraints), /extensions 2\.5\.29\.19 value: missing/],
      [
        sequence(basicConstraints, value, value),
        /extensions 2\.5\.29\.19 Extension: unexpected trailing data/,
      ],
    ];
    for (const [ext, message] of cases) {
      const der = await withExtension(ext);
      expect(() => parseCertificate(der)).toThrow(message);
      expect(codeOf(() => parseCertificate(der))).toBe('ERR_CERT_INVALID');
    }
  });
});

describe('issuer names and extKeyUsage', () => {
  it('decode once per CA: leaves of one issuer share its frozen attributes, and each keeps its own bytes', async () => {
    const anchor = await createTrustAnchor({ now: NOW, random: seededRandom('issuer-names') });
    const issuer = await createIssuer({ anchor, now: NOW, random: seededRandom('issuer-names') });
    const leaf = async (identity: string) =>
      parseCertificate(
        (
          await issueLeafForKey({
            issuer,
            publicKey: (await generateKeyPair({ random: seededRandom(identity) })).publicKey,
            identity,
            now: NOW,
            random: seededRandom(identity),
          })
        ).der,
      );
    const a = await leaf(IDENTITY);
    const b = await leaf('db.shop.serviceaccount.identity.linkerd.cluster.local');
    expect(a.issuer.commonName).toBe('identity.linkerd.cluster.local');
    expect(a.issuer.rdns).toBe(b.issuer.rdns);
    expect(Object.isFrozen(a.issuer.rdns) && Object.isFrozen(a.issuer.rdns[0]![0])).toBe(true);
    expect(a.issuer.der).not.toBe(b.issuer.der);
    expect(a.issuer.der.buffer).toBe(a.der.buffer);
    // extKeyUsage lists are shared the same way.
    expect(a.extKeyUsage).toEqual([OID.serverAuth, OID.clientAuth]);
    expect(a.extKeyUsage).toBe(b.extKeyUsage);
    expect(Object.isFrozen(a.extKeyUsage)).toBe(true);
    // The anchor's own issuer name (itself) decodes to the same attributes as its subject.
    expect(parseCertificate(anchor.der).issuer.rdns).toEqual(anchor.certificate.subject.rdns);
  });
});

describe('certificate times', () => {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const read = (tag: number, text: string) =>
    readTime(new DerReader(tlv(tag, new TextEncoder().encode(text))), 't');

  it('count milliseconds as Date.UTC does, across leap years, centuries and both encodings', () => {
    const years = [1950, 1969, 1970, 1999, 2000, 2024, 2049];
    for (let y = 100; y <= 9999; y += 37) years.push(y);
    years.push(1600, 1700, 1900, 2100, 2400, 9999);
    for (const year of years) {
      for (let month = 1; month <= 12; month++) {
        const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
        for (const day of [1, 28, last]) {
          const [h, m, s] = [(year + day) % 24, (month * 7) % 60, (year * 13) % 60];
          const clock = `${pad(month, 2)}${pad(day, 2)}${pad(h, 2)}${pad(m, 2)}${pad(s, 2)}Z`;
          const expected = Date.UTC(year, month - 1, day, h, m, s);
          expect(read(0x18, `${pad(year, 4)}${clock}`)).toBe(expected);
          if (year >= 1950 && year < 2050) expect(read(0x17, `${pad(year % 100, 2)}${clock}`)).toBe(expected);
        }
      }
    }
  });
});
