import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { type CertificateRequest, summarizeSans, verifyCsr } from '../csr';
import { isPkiError } from '../errors';
import { checkLinkerdCsr } from '../leaf';
import { formatDuration } from '../schedule';
import { formatName, KeyUsage, OID } from '../x509';
import type { Certificate, GeneralName, PublicKeyInfo } from '../x509/types';
import { rfc3339 } from './args';

/** A certificate as `inspect --json` prints it; absent fields are `null`, so the shape is fixed. */
export interface CertificateSummary {
  kind: 'certificate';
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** At the time of inspection. */
  status: 'valid' | 'expired' | 'not yet valid';
  selfSigned: boolean;
  subjectAltNames: string[];
  ca: boolean;
  pathLen: number | null;
  keyUsage: string[] | null;
  extKeyUsage: string[] | null;
  keyAlgorithm: string;
  signatureAlgorithm: string;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** SHA-256 of the certificate DER, lowercase hex. */
  sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  publicKeySha256: string;
}

/** A CSR as `inspect --json` prints it. */
export interface CsrSummary {
  kind: 'csr';
  subject: string;
  subjectAltNames: string[];
  keyAlgorithm: string;
  signatureAlgorithm: string;
  signatureValid: boolean;
  /** Whether Linkerd's identity service would accept it for its first DNS SAN, and why not. */
  linkerdAcceptable: boolean;
  linkerdProblem: string | null;
  publicKeySha256: string;
}

/** A key as `inspect --json` prints it: never the private key itself. */
export interface KeySummary {
  kind: 'private-key' | 'public-key';
  format: string;
  keyAlgorithm: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex; `null` for encrypted keys. */
  publicKeySha256: string | null;
}

/** SHA-256 in lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hex(bytes: Uint8Array | undefined): string | null {
  return bytes === undefined ? null : Buffer.from(bytes).toString('hex');
}

/** `ECDSA P-256`, `RSA 2048`, `Ed25519`, or the algorithm OID. */
export function keyAlgorithm(key: PublicKeyInfo): string {
  if (key.kind === 'ec') return `ECDSA ${key.curve ?? 'unknown curve'}`;
  if (key.kind === 'rsa') return `RSA ${key.rsaBits ?? '?'}`;
  if (key.kind === 'ed25519') return 'Ed25519';
  return `unknown (${key.algorithmOid})`;
}

function ipText(ip: Uint8Array): string {
  if (ip.length === 4) return ip.join('.');
  if (ip.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16));
    return groups.join(':');
  }
  return Buffer.from(ip).toString('hex');
}

/** One SAN as OpenSSL prints it: `DNS:…`, `URI:…`, `email:…`, `IP:…`. */
export function sanText(name: GeneralName): string {
  switch (name.type) {
    case 'dns':
      return `DNS:${name.value}`;
    case 'uri':
      return `URI:${name.value}`;
    case 'email':
      return `email:${name.value}`;
    case 'ip':
      return `IP:${ipText(name.value)}`;
    case 'dn':
      return `DirName:${formatName(name.value)}`;
    default:
      return `othername:[${name.tag}]`;
  }
}

const KEY_USAGE_NAMES = Object.entries(KeyUsage) as [string, number][];
const EKU_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
};

/** Summarizes a certificate, its status taken at `now`. */
export function summarizeCertificate(cert: Certificate, now: Date): CertificateSummary {
  const t = now.getTime();
  const status =
    t > cert.notAfter.getTime() ? 'expired' : t < cert.notBefore.getTime() ? 'not yet valid' : 'valid';
  const ku = cert.keyUsage;
  return {
    kind: 'certificate',
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    serial: cert.serialHex,
    notBefore: rfc3339(cert.notBefore),
    notAfter: rfc3339(cert.notAfter),
    status,
    selfSigned: cert.selfIssued,
    subjectAltNames: (cert.subjectAltNames ?? []).map(sanText),
    ca: cert.basicConstraints?.ca === true,
    pathLen: cert.basicConstraints?.pathLen ?? null,
    keyUsage: ku === undefined ? null : KEY_USAGE_NAMES.filter(([, bit]) => (ku & bit) !== 0).map(([n]) => n),
    extKeyUsage: cert.extKeyUsage === undefined ? null : cert.extKeyUsage.map((o) => EKU_NAMES[o] ?? o),
    keyAlgorithm: keyAlgorithm(cert.publicKey),
    signatureAlgorithm: cert.signatureAlgorithm.name,
    subjectKeyId: hex(cert.subjectKeyId),
    authorityKeyId: hex(cert.authorityKeyId),
    sha256: sha256Hex(cert.der),
    publicKeySha256: sha256Hex(cert.publicKey.der),
  };
}

/** Summarizes a CSR, checking its signature and Linkerd's rules for its first DNS SAN. */
export async function summarizeCsr(csr: CertificateRequest): Promise<CsrSummary> {
  const identity = summarizeSans(csr.subjectAltNames).dns[0] ?? csr.subject.commonName ?? '';
  let problem: string | null = null;
  try {
    await checkLinkerdCsr({ csr, identity });
  } catch (e) {
    problem = isPkiError(e) ? e.message : String(e);
  }
  let signatureValid = false;
  try {
    signatureValid = await verifyCsr(csr);
  } catch {
    signatureValid = false;
  }
  return {
    kind: 'csr',
    subject: formatName(csr.subject),
    subjectAltNames: csr.subjectAltNames.map(sanText),
    keyAlgorithm: keyAlgorithm(csr.publicKey),
    signatureAlgorithm: csr.signatureAlgorithm.name,
    signatureValid,
    linkerdAcceptable: problem === null,
    linkerdProblem: problem,
    publicKeySha256: sha256Hex(csr.publicKey.der),
  };
}

/** Summarizes a key that l5d-pki itself does not use (RSA, Ed25519, other curves) through `node:crypto`. */
export function summarizeForeignKey(key: KeyObject, format: string): KeySummary {
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType ?? 'unknown';
  const algorithm =
    type === 'ec'
      ? `ECDSA ${curveName(details.namedCurve)}`
      : type === 'rsa' || type === 'rsa-pss'
        ? `${type.toUpperCase()} ${details.modulusLength ?? '?'}`
        : type === 'ed25519'
          ? 'Ed25519'
          : type;
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return {
    kind: key.type === 'private' ? 'private-key' : 'public-key',
    format,
    keyAlgorithm: algorithm,
    publicKeySha256: sha256Hex(pub.export({ type: 'spki', format: 'der' })),
  };
}

function curveName(curve: string | undefined): string {
  if (curve === 'prime256v1') return 'P-256';
  if (curve === 'secp384r1') return 'P-384';
  if (curve === 'secp521r1') return 'P-521';
  return curve ?? 'unknown curve';
}

/** A private key through `node:crypto`, or `undefined` when it does not read it either. */
export function foreignPrivateKey(data: string | Uint8Array): KeyObject | undefined {
  try {
    return typeof data === 'string'
      ? createPrivateKey({ key: data, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(data), format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}

/** A public key through `node:crypto`, or `undefined`. */
export function foreignPublicKey(data: string | Uint8Array): KeyObject | undefined {
  try {
    return typeof data === 'string'
      ? createPublicKey({ key: data, format: 'pem' })
      : createPublicKey({ key: Buffer.from(data), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** `in 8759h59m50s`, `5m ago`: a time relative to now, Go-style. */
export function relative(to: Date, now: Date): string {
  const ms = Math.round((to.getTime() - now.getTime()) / 1000) * 1000;
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}
