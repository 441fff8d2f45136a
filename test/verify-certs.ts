/**
 * A small certificate factory for the verify tests: any name, validity, key, signature algorithm and
 * extension, signed synchronously with node:crypto so every test builds exactly the PKI it needs.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  integer,
  NULL,
  octetString,
  oid,
  sequence,
  setOf,
  time,
  tlv,
  utf8String,
} from '../src/der';
import { encodePem } from '../src/pem';
import type { VerifyResult } from '../src/verify';
import { parseCertificate } from '../src/x509/certificate';
import { OID } from '../src/x509/oids';
import { type Certificate, KeyUsage } from '../src/x509/types';

/** A key pair with its SubjectPublicKeyInfo and a key identifier. */
export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly spki: Uint8Array;
  readonly keyId: Uint8Array;
}

/** A minted certificate, parsed and encoded, with its key. */
export interface Minted {
  readonly cert: Certificate;
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: KeyPair;
}

export type KeyKind = 'p256' | 'p384' | 'p521' | 'rsa1024' | 'rsa2048';

const keyCache = new Map<KeyKind, KeyPair>();
const CURVES: Readonly<Record<string, string>> = { p256: 'P-256', p384: 'P-384', p521: 'P-521' };

/** A new key (RSA keys are made once per kind and shared: generating them is slow). */
export function newKey(kind: KeyKind = 'p256'): KeyPair {
  const cached = keyCache.get(kind);
  if (cached) return cached;
  const { privateKey, publicKey } = kind.startsWith('rsa')
    ? generateKeyPairSync('rsa', { modulusLength: kind === 'rsa1024' ? 1024 : 2048 })
    : generateKeyPairSync('ec', { namedCurve: CURVES[kind] ?? 'P-256' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const pair = { privateKey, spki, keyId: new Uint8Array(createHash('sha1').update(spki).digest()) };
  if (kind.startsWith('rsa')) keyCache.set(kind, pair);
  return pair;
}

export type SigAlg = 'ecdsa-sha256' | 'ecdsa-sha384' | 'ecdsa-sha1' | 'rsa-sha256';

const SIG_ALGS: Readonly<Record<SigAlg, { der: Uint8Array; hash: string }>> = {
  'ecdsa-sha256': { der: sequence(oid(OID.ecdsaWithSha256)), hash: 'sha256' },
  'ecdsa-sha384': { der: sequence(oid(OID.ecdsaWithSha384)), hash: 'sha384' },
  'ecdsa-sha1': { der: sequence(oid(OID.ecdsaWithSha1)), hash: 'sha1' },
  'rsa-sha256': { der: sequence(oid(OID.sha256WithRsa), NULL), hash: 'sha256' },
};

/** A Name of one commonName (or of the given RDNs: `[oid, value]` pairs, one per RDN). */
export function name(cn: string | readonly (readonly [string, string])[]): Uint8Array {
  const rdns = typeof cn === 'string' ? [[OID.commonName, cn] as const] : cn;
  return sequence(...rdns.map(([type, value]) => setOf(sequence(oid(type), utf8String(value)))));
}

/** GeneralName encoders. */
export const gn = {
  dns: (v: string) => tlv(0x82, new TextEncoder().encode(v)),
  email: (v: string) => tlv(0x81, new TextEncoder().encode(v)),
  uri: (v: string) => tlv(0x86, new TextEncoder().encode(v)),
  ip: (bytes: readonly number[]) => tlv(0x87, Uint8Array.from(bytes)),
  dn: (nameDer: Uint8Array) => tlv(0xa4, nameDer),
  other: () => tlv(0xa0, oid('1.3.6.1.4.1.99999.1'), explicit(0, utf8String('x'))),
};

/** An encoded Extension. */
export function extension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(extOid), boolean(true), octetString(value))
    : sequence(oid(extOid), octetString(value));
}

/** What to mint; everything is optional. Defaults: a self-signed P-256 leaf valid 2025–2035. */
export interface Spec {
  readonly cn?: string;
  /** A raw subject Name; wins over `cn`. */
  readonly subject?: Uint8Array;
  /** The issuer (certificate and key); default: self-signed. */
  readonly issuer?: Minted;
  readonly key?: KeyPair;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly serial?: Uint8Array;
  /** A CA: basicConstraints cA (critical) and keyUsage keyCertSign|cRLSign. */
  readonly ca?: boolean;
  readonly pathLen?: number;
  /** keyUsage bits; `null` omits the extension. Default: CA bits, or digitalSignature for leaves. */
  readonly keyUsage?: number | null;
  readonly eku?: readonly string[];
  /** subjectAltName entries (from {@link gn}). */
  readonly san?: readonly Uint8Array[];
  readonly sanCritical?: boolean;
  readonly permitted?: readonly Uint8Array[];
  readonly excluded?: readonly Uint8Array[];
  /** More encoded extensions, appended. */
  readonly extensions?: readonly Uint8Array[];
  readonly omitSki?: boolean;
  readonly omitAki?: boolean;
  readonly sigAlg?: SigAlg;
}

/** Mints a certificate as `spec` says. */
export function mint(spec: Spec = {}): Minted {
  const key = spec.key ?? newKey();
  const subject = spec.subject ?? name(spec.cn ?? 'leaf.example.com');
  const signer = spec.issuer?.key ?? key;
  const alg =
    SIG_ALGS[spec.sigAlg ?? (signer.privateKey.asymmetricKeyType === 'rsa' ? 'rsa-sha256' : 'ecdsa-sha256')];
  const tbs = sequence(
    explicit(0, integer(2)),
    spec.serial ? tlv(0x02, spec.serial) : integer(Uint8Array.from([0x40, ...randomBytes(15)])),
    alg.der,
    spec.issuer ? spec.issuer.cert.subject.der : subject,
    sequence(
      time(Date.parse(spec.notBefore ?? '2025-01-01T00:00:00Z')),
      time(Date.parse(spec.notAfter ?? '2035-01-01T00:00:00Z')),
    ),
    subject,
    key.spki,
    explicit(3, sequence(...extensionsOf(spec, key))),
  );
  const signature = sign(alg.hash, tbs, { key: signer.privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, alg.der, bitString(new Uint8Array(signature)));
  return { cert: parseCertificate(der), der, pem: encodePem('CERTIFICATE', der), key };
}

function extensionsOf(spec: Spec, key: KeyPair): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (spec.ca) {
    const bc =
      spec.pathLen === undefined ? sequence(boolean(true)) : sequence(boolean(true), integer(spec.pathLen));
    out.push(extension(OID.basicConstraints, true, bc));
  }
  const ku = spec.keyUsage === undefined ? defaultKeyUsage(spec) : spec.keyUsage;
  if (ku !== null) out.push(extension(OID.keyUsage, true, keyUsageBits(ku)));
  if (spec.eku) out.push(extension(OID.extKeyUsage, false, sequence(...spec.eku.map((e) => oid(e)))));
  if (spec.san) out.push(extension(OID.subjectAltName, spec.sanCritical ?? false, sequence(...spec.san)));
  if (spec.permitted || spec.excluded) out.push(extension(OID.nameConstraints, true, nameConstraints(spec)));
  if (!spec.omitSki) out.push(extension(OID.subjectKeyIdentifier, false, octetString(key.keyId)));
  if (spec.issuer && !spec.omitAki) {
    out.push(extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, spec.issuer.key.keyId))));
  }
  return [...out, ...(spec.extensions ?? [])];
}

function defaultKeyUsage(spec: Spec): number {
  return spec.ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature;
}

function keyUsageBits(mask: number): Uint8Array {
  const bytes = [0, 0];
  for (let bit = 0; bit < 9; bit++) if (mask & (1 << bit)) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const used = mask > 0xff ? 2 : 1;
  return bitString(Uint8Array.from(bytes.slice(0, used)), used === 2 ? 7 : trailingZeros(bytes[0]!));
}

function trailingZeros(byte: number): number {
  let n = 0;
  while (n < 7 && !(byte & (1 << n))) n++;
  return n;
}

function nameConstraints(spec: Spec): Uint8Array {
  const subtrees = (tag: number, bases: readonly Uint8Array[] | undefined) =>
    bases ? [tlv(tag, ...bases.map((b) => sequence(b)))] : [];
  return sequence(...subtrees(0xa0, spec.permitted), ...subtrees(0xa1, spec.excluded));
}

/** A root CA. */
export function root(cn = 'Test Root', spec: Spec = {}): Minted {
  return mint({ cn, ca: true, ...spec });
}

/** An intermediate CA issued by `issuer`. */
export function intermediate(issuer: Minted, cn = 'Test Intermediate', spec: Spec = {}): Minted {
  return mint({ cn, ca: true, issuer, ...spec });
}

/** A leaf for `dns` (also its CN) issued by `issuer`, with serverAuth and clientAuth. */
export function leaf(issuer: Minted, dns = 'leaf.example.com', spec: Spec = {}): Minted {
  return mint({ cn: dns, issuer, san: [gn.dns(dns)], eku: [OID.serverAuth, OID.clientAuth], ...spec });
}

/** A validation time inside the default validity. */
export const AT = new Date('2026-03-01T00:00:00Z');

/** What a result says, without object identities. */
export function summary(result: VerifyResult): unknown {
  if (!result.ok) return result;
  return {
    path: result.path.map((c) => c.serialHex),
    identity: result.identity,
    validUntil: result.validUntil,
  };
}
