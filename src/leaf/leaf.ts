import { DEFAULT_CLOCK_SKEW_MS } from '../anchor/anchor';
import { type CertificateRequest, parseCsr, summarizeSans, verifyCsr } from '../csr';
import type { DurationInput } from '../duration';
import { PkiError } from '../errors';
import { type Issuer, type IssuerInput, requireSigner, toIssuer } from '../issuer/issuer';
import { importPublicKey, isP256, PublicKey } from '../keys';
import { encodePem } from '../pem';
import { linkerdIdentityToSpiffeId } from '../spiffe';
import { requireIdentityName } from '../spiffe/linkerd';
import { requireOptions } from '../validate';
import { parseCertificate } from '../x509/certificate';
import {
  authorityKeyIdExtension,
  commonNameOnlyNode,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameNode,
} from '../x509/encode';
import {
  checkClockSkew,
  checkLifetime,
  ecdsaTbs,
  type IssuedCertificate,
  type MintOptions,
  nowMs,
  serialBytes,
  signTbs,
  wholeSeconds,
} from '../x509/mint';
import { OID } from '../x509/oids';
import { type Certificate, KeyUsage, type PublicKeyInfo } from '../x509/types';

/** Linkerd's workload certificate lifetime: 24 hours. */
export const DEFAULT_LEAF_LIFETIME_MS = 24 * 3_600_000;

/** Options shared by {@link issueLeaf} and {@link issueLeafForKey}. */
export interface LeafOptions extends MintOptions {
  /**
   * The issuer that signs the leaf, in any {@link IssuerInput} form; an `Issuer` made by l5d-pki is the
   * fastest (text or DER is read again on every call).
   */
  readonly issuer: IssuerInput;
  /**
   * The workload identity: CN and DNS SAN, e.g. `web.shop.serviceaccount.identity.linkerd.cluster.local`.
   * In every mode a Linkerd identity name: lowercase DNS-1123 labels, at most 63 characters each and 253
   * in all (see `requireIdentityName`); with a SPIFFE ID, of the form
   * `<sa>.<ns>.serviceaccount.identity.<cp-ns>.<trust-domain>` too.
   */
  readonly identity: string;
  /** Lifetime: whole milliseconds or Go duration text (`'24h'`), more than zero. Default 24 h. */
  readonly lifetime?: DurationInput;
  /** Clock-skew allowance: whole milliseconds or Go duration text, zero or more. Default 10 s. */
  readonly clockSkew?: DurationInput;
  /**
   * Add the SPIFFE ID `spiffe://<td>/ns/<ns>/sa/<sa>` as a URI SAN (default true, with trust domain
   * `identity.linkerd.cluster.local`). `false` gives exactly a Linkerd-issued leaf.
   */
  readonly spiffe?: boolean | { readonly trustDomain: string };
}

/** Options of {@link issueLeaf}. */
export interface IssueLeafOptions extends LeafOptions {
  /** The workload's CSR: DER, PEM, or already parsed. */
  readonly csr: Uint8Array | string | CertificateRequest;
}

/** Options of {@link issueLeafForKey}. */
export interface IssueLeafForKeyOptions extends LeafOptions {
  /** The workload's public key (a P-256 {@link PublicKey}, or the key info of a parsed CSR). */
  readonly publicKey: PublicKey | PublicKeyInfo;
}

/** A workload certificate with what the identity service returns alongside it. */
export interface IssuedLeaf extends IssuedCertificate {
  /** The certificates to present after the leaf: the issuer and any intermediates (no self-signed anchor). */
  readonly chain: readonly Certificate[];
  /** Leaf PEM followed by the chain's PEM, ready for a TLS server. */
  readonly chainPem: string;
  /** The leaf's notAfter, as Linkerd's `valid_until`. */
  readonly validUntil: Date;
}

interface IssuerTemplate {
  /** The issuer certificate the template was made from: a new one (or a changed issuer) gets a new template. */
  readonly certificate: Certificate;
  /** Frozen: every leaf of the issuer hands out this one array. */
  readonly chain: readonly Certificate[];
  readonly chainPem: string;
  readonly fixedExtensions: readonly Uint8Array[];
}

const LEAF_KEY_USAGE = keyUsageExtension(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
const LEAF_EXT_KEY_USAGE = extKeyUsageExtension([OID.serverAuth, OID.clientAuth]);
const templates = new WeakMap<Issuer, IssuerTemplate>();

function templateFor(issuer: Issuer): IssuerTemplate {
  let t = templates.get(issuer);
  if (!t || t.certificate !== issuer.certificate) {
    // Everything above the issuer but the root anchor, which peers hold already.
    const above = issuer.chain.at(-1)?.selfIssued ? issuer.chain.slice(0, -1) : issuer.chain;
    const chain = [issuer.certificate, ...above];
    const aki = issuer.certificate.subjectKeyId;
    t = {
      certificate: issuer.certificate,
      chain: Object.freeze(chain),
      chainPem: issuer.pem + above.map((c) => encodePem('CERTIFICATE', c.der)).join(''),
      fixedExtensions: aki
        ? [LEAF_KEY_USAGE, LEAF_EXT_KEY_USAGE, authorityKeyIdExtension(aki)]
        : [LEAF_KEY_USAGE, LEAF_EXT_KEY_USAGE],
    };
    templates.set(issuer, t);
  }
  return t;
}

function spiffeUris(identity: string, spiffe: LeafOptions['spiffe']): string[] {
  if (spiffe === false) return [];
  const spiffeTrustDomain = typeof spiffe === 'object' ? spiffe.trustDomain : undefined;
  try {
    return [linkerdIdentityToSpiffeId(identity, { spiffeTrustDomain }).toString()];
  } catch (e) {
    throw new PkiError(
      'ERR_IDENTITY_INVALID',
      `"${identity}" is not a Linkerd identity name, so no SPIFFE ID can be derived; pass spiffe: false`,
      { cause: e },
    );
  }
}

/**
 * Issues a leaf for a public key, without a CSR (tools and tests). Same profile and identity checks as
 * {@link issueLeaf}.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` before anything is signed when `identity` is not a Linkerd
 *   identity name (or, with a SPIFFE ID, not of its form).
 * @example
 * ```ts
 * const key = await generateKeyPair();
 * const leaf = await issueLeafForKey({ issuer, publicKey: key.publicKey, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * ```
 */
export async function issueLeafForKey(options: IssueLeafForKeyOptions): Promise<IssuedLeaf> {
  const issuer = checkLeafOptions(options, 'issueLeafForKey');
  const key = options.publicKey;
  if (typeof key !== 'object' || key === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`publicKey` must be a PublicKey or a parsed public key');
  const now = nowMs(options);
  requireSigner(issuer.certificate, issuer.key, now);
  // A parsed key is read as its SPKI, checked again (a P-256 point on the curve), like every other input.
  const spki = importPublicKey(publicKeyDer(key)).spki;
  return signLeaf(prepareLeaf(options, issuer, spki, now), issuer, options);
}

/**
 * Checks what every leaf needs before anything is read further: an options object, an issuer (read from
 * any {@link IssuerInput} form), a Linkerd identity name and a valid `spiffe` option. Returns the issuer.
 * Throws `ERR_INVALID_ARGUMENT`, `ERR_IDENTITY_INVALID`, or what {@link toIssuer} throws.
 */
function checkLeafOptions(options: LeafOptions, fn: string): Issuer {
  requireOptions(options, fn);
  const issuer = toIssuer(options.issuer, '`issuer`');
  requireIdentityName(options.identity);
  const spiffe: unknown = options.spiffe;
  if (spiffe === undefined || typeof spiffe === 'boolean') return issuer;
  if (
    typeof spiffe !== 'object' ||
    spiffe === null ||
    typeof (spiffe as { trustDomain?: unknown }).trustDomain !== 'string'
  )
    throw new PkiError('ERR_INVALID_ARGUMENT', '`spiffe` must be a boolean or { trustDomain }');
  return issuer;
}

/**
 * The SPKI DER of a {@link PublicKey} or a parsed public key (read once, to be imported and checked
 * again); throws `ERR_INVALID_ARGUMENT` for anything else.
 */
function publicKeyDer(key: PublicKey | PublicKeyInfo): Uint8Array {
  let der: unknown;
  try {
    der = key instanceof PublicKey ? key.spki : (key as { der?: unknown }).der;
  } catch {
    der = undefined;
  }
  if (der instanceof Uint8Array) return der;
  throw new PkiError('ERR_INVALID_ARGUMENT', '`publicKey` must be a PublicKey or a parsed public key');
}

/** A leaf ready to sign: its TBSCertificate, and what the result needs besides. */
interface PreparedLeaf {
  readonly tbs: Uint8Array;
  readonly notAfter: number;
  readonly template: IssuerTemplate;
}

/** Writes a leaf's TBSCertificate; `options.identity` has been checked ({@link requireIdentityName}). */
function prepareLeaf(options: LeafOptions, issuer: Issuer, spki: Uint8Array, now: number): PreparedLeaf {
  const { identity } = options;
  const lifetime = checkLifetime(options.lifetime ?? DEFAULT_LEAF_LIFETIME_MS, 'leaf lifetime');
  const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'leaf', now, lifetime);
  const template = templateFor(issuer);
  const notAfter = Math.min(wholeSeconds(now + lifetime + skew), issuer.certificate.notAfter.getTime());
  const tbs = ecdsaTbs({
    serial: serialBytes(options),
    issuer: issuer.certificate.subject.der,
    subject: commonNameOnlyNode(identity),
    notBefore: wholeSeconds(now - skew),
    notAfter,
    spki,
    extensions: [
      ...template.fixedExtensions,
      subjectAltNameNode({ dns: [identity], uri: spiffeUris(identity, options.spiffe) }),
    ],
  });
  return { tbs, notAfter, template };
}

/** An issued leaf. An identity service answers with DER or PEM: the parsed form is made on first use. */
class IssuedLeafValue implements IssuedLeaf {
  /** Keeps the shape of issued leaves alive (see `DerReader.shapeKeeper`). */
  static readonly shapeKeeper: IssuedLeaf = new IssuedLeafValue(new Uint8Array(0), '', [], '', new Date(0));

  readonly der: Uint8Array;
  readonly pem: string;
  readonly chain: readonly Certificate[];
  readonly chainPem: string;
  readonly validUntil: Date;
  #parsed: Certificate | undefined;

  constructor(
    der: Uint8Array,
    pem: string,
    chain: readonly Certificate[],
    chainPem: string,
    validUntil: Date,
  ) {
    this.der = der;
    this.pem = pem;
    this.chain = chain;
    this.chainPem = chainPem;
    this.validUntil = validUntil;
  }

  get certificate(): Certificate {
    this.#parsed ??= parseCertificate(this.der);
    return this.#parsed;
  }
}

async function signLeaf(leaf: PreparedLeaf, issuer: Issuer, options: LeafOptions): Promise<IssuedLeaf> {
  const der = await signTbs(leaf.tbs, issuer.key, options);
  const pem = encodePem('CERTIFICATE', der);
  const { chain, chainPem } = leaf.template;
  return new IssuedLeafValue(der, pem, chain, pem + chainPem, new Date(leaf.notAfter));
}

/** Options of {@link checkLinkerdCsr}. */
export interface CheckLinkerdCsrOptions {
  /** The workload's CSR: DER, PEM, or already parsed. */
  readonly csr: Uint8Array | string | CertificateRequest;
  /** The identity the CSR must ask for (its one DNS SAN), a Linkerd identity name. */
  readonly identity: string;
}

/**
 * Checks a CSR exactly as Linkerd's identity service does, and its signature too: exactly one DNS SAN
 * equal to `identity`, CN empty or equal to it, no email, IP or URI SANs, an ECDSA P-256 key, and a valid
 * proof of possession. Returns the parsed CSR.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` when `identity` is not a Linkerd identity name; a CSR code
 *   (`ERR_CSR_…`) when the CSR fails a check.
 * @example
 * ```ts
 * const csr = await checkLinkerdCsr({ csr: csrDer, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * ```
 */
export async function checkLinkerdCsr(options: CheckLinkerdCsrOptions): Promise<CertificateRequest> {
  requireOptions(options, 'checkLinkerdCsr');
  const identity = requireIdentityName(options.identity);
  const csr = checkLinkerdCsrContent(options.csr, identity);
  if (!(await verifyCsr(csr)))
    throw new PkiError('ERR_CSR_SIGNATURE', 'the CSR signature does not verify under its own key');
  return csr;
}

/** The DER of a CSR given parsed; throws `ERR_INVALID_ARGUMENT` for anything else. */
function csrDer(input: CertificateRequest): Uint8Array {
  const der = typeof input === 'object' && input !== null ? (input as { der?: unknown }).der : undefined;
  if (der instanceof Uint8Array) return der;
  throw new PkiError('ERR_INVALID_ARGUMENT', 'a CSR must be given as DER, as PEM or parsed by parseCsr');
}

/** {@link checkLinkerdCsr} but for the signature; `identity` has been checked. */
function checkLinkerdCsrContent(
  input: Uint8Array | string | CertificateRequest,
  identity: string,
): CertificateRequest {
  // A parsed CSR is read as its DER, like every other input: its fields are not trusted.
  const csr = parseCsr(typeof input === 'string' || input instanceof Uint8Array ? input : csrDer(input));
  if (!isP256(csr.publicKey)) {
    const what = csr.publicKey.kind === 'ec' ? `EC ${csr.publicKey.curve}` : csr.publicKey.kind.toUpperCase();
    throw new PkiError(
      'ERR_CSR_KEY_UNSUPPORTED',
      `the CSR carries a ${what} key; the identity service wants ECDSA P-256`,
    );
  }
  const names = csr.subjectAltNames ?? [];
  let dnsCount = 0;
  let dnsMatch = false;
  for (const n of names) {
    if (n.type !== 'dns') {
      throw new PkiError(
        'ERR_CSR_FORBIDDEN_SAN',
        'the CSR may carry only a DNS SAN (no email, IP, URI or other names)',
      );
    }
    dnsCount++;
    dnsMatch = n.value === identity;
  }
  if (dnsCount !== 1 || !dnsMatch) {
    const dns = summarizeSans(names).dns;
    throw new PkiError(
      'ERR_CSR_IDENTITY_MISMATCH',
      `the CSR must carry exactly one DNS SAN equal to "${identity}"; it has [${dns.join(', ')}]`,
    );
  }
  const cn = csr.subject.commonName;
  if (cn !== undefined && cn !== '' && cn !== identity) {
    throw new PkiError(
      'ERR_CSR_IDENTITY_MISMATCH',
      `the CSR's CN "${cn}" is neither empty nor "${identity}"`,
    );
  }
  return csr;
}

/**
 * Issues a workload leaf from a CSR with the identity service's semantics ({@link checkLinkerdCsr}).
 * The leaf: CN = identity; DNS SAN = identity and, unless `spiffe: false`, a URI SAN with the SPIFFE ID;
 * keyUsage digitalSignature|keyEncipherment (critical); EKU serverAuth+clientAuth; no basicConstraints;
 * AKI = the issuer's SKI; notBefore = now − skew; notAfter = min(now + lifetime + skew, issuer notAfter).
 * Refuses an issuer that is expired, not yet valid, not a CA, or whose key does not match.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` before anything is signed when `identity` is not a Linkerd
 *   identity name (lowercase DNS-1123 labels, 63 characters each, 253 in all; no wildcard, trailing dot,
 *   space, NUL, comma or URI), in every mode, `spiffe: false` included; `ERR_CSR_…` when the CSR fails
 *   the identity service's checks.
 * @example
 * ```ts
 * const leaf = await issueLeaf({ issuer, csr: csrDer, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * leaf.validUntil; // 24 h and 10 s from now
 * ```
 */
export async function issueLeaf(options: IssueLeafOptions): Promise<IssuedLeaf> {
  const issuer = checkLeafOptions(options, 'issueLeaf');
  const now = nowMs(options);
  requireSigner(issuer.certificate, issuer.key, now);
  const csr = checkLinkerdCsrContent(options.csr, options.identity);
  // The leaf's TBSCertificate is written before the proof of possession is checked, so that the two
  // signature operations run back to back (measurably faster than with other work between them); it is
  // signed only once the CSR verifies, and an error from writing it is raised after that check, as if it
  // came later.
  let leaf: PreparedLeaf | undefined;
  let failure: unknown;
  try {
    leaf = prepareLeaf(options, issuer, csr.publicKey.der, now);
  } catch (e) {
    failure = e;
  }
  if (!(await verifyCsr(csr)))
    throw new PkiError('ERR_CSR_SIGNATURE', 'the CSR signature does not verify under its own key');
  if (!leaf) throw failure;
  return signLeaf(leaf, issuer, options);
}
