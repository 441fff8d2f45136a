/**
 * A differential harness for the `Verifier` cache: a fixed pool of PKI material (good chains, re-keyed
 * twins, forged and tampered certificates, several anchors), random sequences of operations on one
 * `Verifier` (verifications, rotations, inputs overwritten while a call is pending or between calls,
 * returned objects and anchors mutated) and, for every verdict, a cold `verifyChain` on pristine copies
 * of the same inputs as the reference.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  type Certificate,
  type ChainInput,
  type CryptoBackend,
  createTrustStore,
  OID,
  parseCertificate,
  type TrustBundleInput,
  Verifier,
  type VerifyResult,
  verifyChain,
} from '../../src';
import { gn, type KeyPair, type Minted, mint, newKey } from '../verify-certs';

// ---------------------------------------------------------------------------------------------------
// The pool

const DOMAIN = 'identity.linkerd.cluster.local';
const ROOT_NAME = `root.linkerd.cluster.local`;
const ISSUER_NAME = DOMAIN;

/** A workload identity: its DNS name and SPIFFE ID. */
function workload(sa: string, ns: string): { dns: string; spiffe: string } {
  return { dns: `${sa}.${ns}.serviceaccount.${DOMAIN}`, spiffe: `spiffe://${DOMAIN}/ns/${ns}/sa/${sa}` };
}

const WEB = workload('web', 'shop');
const API = workload('api', 'shop');
const METRICS = workload('metrics-api', 'linkerd-viz');
const ADMIN = workload('admin', 'linkerd');

/** The reference names a verification may ask for (`undefined`: none). */
export const NAMES: readonly (string | undefined)[] = [
  undefined,
  WEB.dns,
  WEB.spiffe,
  WEB.dns.toUpperCase(),
  API.dns,
  METRICS.dns,
  ADMIN.dns,
  ADMIN.spiffe,
];

/** Validation times: before, inside and after the validity windows of the pool's certificates. */
export const TIMES: readonly Date[] = [
  '2024-06-01T00:00:00Z', // before everything
  '2025-06-15T00:00:00Z', // the issuer has begun, its leaves not yet, the new anchor not yet
  '2025-08-01T00:00:00Z', // the old hierarchy only
  '2026-02-01T12:00:00Z', // inside the 24 h leaf
  '2026-03-01T00:00:00Z', // everything but the 24 h leaf
  '2027-01-01T00:00:00Z', // the issuer's last second
  '2027-01-01T00:00:01Z', // the issuer has expired; its leaves and its re-keyed twin have not
  '2027-07-01T00:00:01Z', // the web leaf has expired too
  '2028-06-01T00:00:00Z', // the new issuer has expired too
  '2035-06-01T00:00:00Z', // the old anchors have expired, the new one has not
  '2037-01-01T00:00:00Z', // after everything
].map((t) => new Date(t));

/** The TLS roles asked for. */
export const USAGES = ['any', 'server', 'client'] as const;

/** Trust bundles: the rotation's old, new and both, and one with a foreign anchor sharing the old's name and key id. */
export const SETS = {
  old: ['anchor'],
  new: ['nextAnchor'],
  both: ['anchor', 'nextAnchor'],
  foreign: ['foreignAnchor', 'anchor'],
} as const satisfies Record<string, readonly CertId[]>;

/** A bundle's name. */
export type SetId = keyof typeof SETS;
export const SET_IDS = Object.keys(SETS) as SetId[];

/** How a bundle is handed to the `Verifier`. */
export type BundleForm = 'pem' | 'der' | 'parsed' | 'store';
export const BUNDLE_FORMS: readonly BundleForm[] = ['pem', 'der', 'parsed', 'store'];

/** The pool's certificates. */
export type CertId =
  | 'anchor'
  | 'nextAnchor'
  | 'foreignAnchor'
  | 'issuer'
  | 'twin'
  | 'nextIssuer'
  | 'foreignIssuer'
  | 'misSigned'
  | 'restricted'
  | 'upper'
  | 'lower'
  | 'issuerLater'
  | 'issuerRekeyed'
  | 'twinRekeyed'
  | 'lowerLater'
  | 'web'
  | 'api'
  | 'twinWeb'
  | 'forgedWeb'
  | 'nextWeb'
  | 'foreignAdmin'
  | 'metrics'
  | 'nested';

/** A chain as presented: a leaf and intermediates, all from the pool. */
export interface ChainSpec {
  readonly leaf: CertId;
  readonly intermediates: readonly CertId[];
  /** What it is, for messages. */
  readonly what: string;
}

/** The chains verified. */
export const CHAINS: readonly ChainSpec[] = [
  { leaf: 'web', intermediates: ['issuer'], what: 'web leaf + issuer' },
  { leaf: 'api', intermediates: ['issuer'], what: '24 h api leaf + issuer' },
  { leaf: 'twinWeb', intermediates: ['twin'], what: 're-keyed twin leaf + twin' },
  { leaf: 'twinWeb', intermediates: ['issuer'], what: 're-keyed twin leaf + real issuer' },
  { leaf: 'web', intermediates: ['twin'], what: 'web leaf + re-keyed twin' },
  { leaf: 'twinWeb', intermediates: ['issuer', 'twin'], what: 'twin leaf + issuer and twin' },
  { leaf: 'forgedWeb', intermediates: ['issuer'], what: 'leaf signed by a stranger claiming the issuer' },
  { leaf: 'nextWeb', intermediates: ['nextIssuer'], what: 'leaf under the new anchor' },
  { leaf: 'foreignAdmin', intermediates: ['foreignIssuer'], what: 'leaf under a foreign anchor' },
  { leaf: 'web', intermediates: ['misSigned'], what: 'issuer signed by another key' },
  { leaf: 'web', intermediates: ['issuerLater'], what: 'issuer with a TBS byte changed (notAfter)' },
  { leaf: 'twinWeb', intermediates: ['issuerRekeyed'], what: 'issuer with its key swapped in place' },
  { leaf: 'metrics', intermediates: ['restricted'], what: 'leaf under a serverAuth-only issuer' },
  { leaf: 'nested', intermediates: ['lower', 'upper'], what: 'leaf + two intermediates' },
  { leaf: 'nested', intermediates: ['upper', 'lowerLater'], what: 'two intermediates, the lower tampered' },
  { leaf: 'web', intermediates: [], what: 'web leaf alone' },
  { leaf: 'issuer', intermediates: [], what: 'the issuer as a leaf' },
  {
    leaf: 'web',
    intermediates: ['issuerLater', 'misSigned', 'issuer'],
    what: 'web leaf + forgeries + issuer',
  },
  { leaf: 'anchor', intermediates: [], what: 'the anchor as a leaf' },
  { leaf: 'web', intermediates: ['twinRekeyed'], what: 'twin with the real key swapped in' },
  {
    leaf: 'foreignAdmin',
    intermediates: ['foreignIssuer', 'foreignAnchor'],
    what: 'foreign chain + its root',
  },
  { leaf: 'nested', intermediates: ['lower'], what: 'lower intermediate without the upper' },
  { leaf: 'nextWeb', intermediates: ['nextIssuer', 'issuer'], what: 'new leaf + both issuers' },
];

/** The pool: each certificate's pristine DER (never handed to the library: copies are) and PEM. */
export interface Pool {
  readonly der: Readonly<Record<CertId, Uint8Array>>;
  readonly pem: Readonly<Record<CertId, string>>;
}

/** A private copy of a pool certificate's DER. */
export function copyOf(pool: Pool, id: CertId): Uint8Array {
  return pool.der[id].slice();
}

function leafSpec(issuer: Minted, who: { dns: string; spiffe: string }, notBefore: string, notAfter: string) {
  return {
    cn: who.dns,
    issuer,
    notBefore,
    notAfter,
    san: [gn.dns(who.dns), gn.uri(who.spiffe)],
    eku: [OID.serverAuth, OID.clientAuth],
  };
}

/** `keyPair` claiming the key identifier `keyId` (to mint certificates that name another key). */
function claiming(keyPair: KeyPair, keyId: Uint8Array): KeyPair {
  return { ...keyPair, keyId };
}

/**
 * Mints the pool (about twenty ECDSA P-256 certificates with node:crypto, a few milliseconds): Linkerd's
 * names everywhere, as a real rotation reuses them.
 */
export function mintPool(): Pool {
  const anchor = mint({
    cn: ROOT_NAME,
    ca: true,
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2035-01-01T00:00:00Z',
  });
  const nextAnchor = mint({
    cn: ROOT_NAME,
    ca: true,
    notBefore: '2025-12-01T00:00:00Z',
    notAfter: '2036-06-01T00:00:00Z',
  });
  // Another root with the old anchor's name and key identifier, and its own key.
  const foreignAnchor = mint({
    cn: ROOT_NAME,
    ca: true,
    key: claiming(newKey(), anchor.key.keyId),
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2035-01-01T00:00:00Z',
  });
  const issuer = mint({
    cn: ISSUER_NAME,
    ca: true,
    issuer: anchor,
    notBefore: '2025-06-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
  });
  // Re-keyed: the issuer's name and key identifier, another key, validly signed by the anchor.
  const twin = mint({
    cn: ISSUER_NAME,
    ca: true,
    issuer: anchor,
    key: claiming(newKey(), issuer.key.keyId),
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2030-01-01T00:00:00Z',
  });
  const nextIssuer = mint({
    cn: ISSUER_NAME,
    ca: true,
    issuer: nextAnchor,
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2028-01-01T00:00:00Z',
  });
  const foreignIssuer = mint({
    cn: ISSUER_NAME,
    ca: true,
    issuer: foreignAnchor,
    key: claiming(newKey(), issuer.key.keyId),
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2035-01-01T00:00:00Z',
  });
  // The issuer's name, key and key identifier, named as issued by the anchor, signed by a stranger.
  const misSigned = mint({
    cn: ISSUER_NAME,
    ca: true,
    key: issuer.key,
    issuer: { ...anchor, key: claiming(newKey(), anchor.key.keyId) },
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2035-01-01T00:00:00Z',
  });
  // Outlives the anchor: in 2035 only the anchor's expiry refuses its chain.
  const restricted = mint({
    cn: `restricted.${DOMAIN}`,
    ca: true,
    issuer: anchor,
    eku: [OID.serverAuth],
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2036-01-01T00:00:00Z',
  });
  const upper = mint({
    cn: `upper.${DOMAIN}`,
    ca: true,
    issuer: anchor,
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2029-01-01T00:00:00Z',
  });
  const lower = mint({
    cn: `lower.${DOMAIN}`,
    ca: true,
    issuer: upper,
    notBefore: '2025-03-01T00:00:00Z',
    notAfter: '2028-01-01T00:00:00Z',
  });
  // Outlives its issuer: from 2027 only the issuer's expiry refuses it.
  const web = mint(leafSpec(issuer, WEB, '2025-07-01T00:00:00Z', '2027-07-01T00:00:00Z'));
  const api = mint(leafSpec(issuer, API, '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'));
  const twinWeb = mint(leafSpec(twin, WEB, '2025-07-01T00:00:00Z', '2029-07-01T00:00:00Z'));
  const forgedWeb = mint(
    leafSpec(
      { ...issuer, key: claiming(newKey(), issuer.key.keyId) },
      ADMIN,
      '2025-01-01T00:00:00Z',
      '2035-01-01T00:00:00Z',
    ),
  );
  const nextWeb = mint(leafSpec(nextIssuer, WEB, '2026-01-15T00:00:00Z', '2027-01-15T00:00:00Z'));
  const foreignAdmin = mint(leafSpec(foreignIssuer, ADMIN, '2025-01-01T00:00:00Z', '2035-01-01T00:00:00Z'));
  const metrics = mint(leafSpec(restricted, METRICS, '2025-01-01T00:00:00Z', '2036-01-01T00:00:00Z'));
  const nested = mint(leafSpec(lower, API, '2025-06-01T00:00:00Z', '2027-06-01T00:00:00Z'));
  const minted: Record<
    Exclude<CertId, 'issuerLater' | 'issuerRekeyed' | 'twinRekeyed' | 'lowerLater'>,
    Minted
  > = {
    anchor,
    nextAnchor,
    foreignAnchor,
    issuer,
    twin,
    nextIssuer,
    foreignIssuer,
    misSigned,
    restricted,
    upper,
    lower,
    web,
    api,
    twinWeb,
    forgedWeb,
    nextWeb,
    foreignAdmin,
    metrics,
    nested,
  };
  const der = {} as Record<CertId, Uint8Array>;
  for (const [id, m] of Object.entries(minted)) der[id as CertId] = m.der.slice();
  der.issuerLater = tamperValidity(issuer.der);
  der.issuerRekeyed = swapKey(issuer.der, twin.cert.publicKey.der);
  der.twinRekeyed = swapKey(twin.der, issuer.cert.publicKey.der);
  der.lowerLater = tamperValidity(lower.der);
  for (const id of Object.keys(der) as CertId[])
    LABELS.set(createHash('sha256').update(der[id]).digest('hex'), id);
  const pem = {} as Record<CertId, string>;
  for (const id of Object.keys(der) as CertId[]) pem[id] = toPem(der[id]);
  return { der, pem };
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`.replace(
    /\n\n/g,
    '\n',
  );
}

// ---------------------------------------------------------------------------------------------------
// Byte-level forgeries of the same length

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * `der` with one byte of its TBS changed: the second digit of notAfter's year moves on by two (a
 * certificate that would live two years longer), everything else, signature included, as it was.
 */
export function tamperValidity(der: Uint8Array): Uint8Array {
  const out = der.slice();
  const cert = parseCertificate(der.slice());
  const d = cert.notAfter;
  const two = (n: number) => String(n).padStart(2, '0');
  const utc = `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  const at = indexOfBytes(out, new TextEncoder().encode(utc));
  if (at < 0 || at + 1 >= cert.tbs.length + 4) {
    out[out.length - 40]! ^= 1; // inside the signature: still other bytes of the same length
    return out;
  }
  out[at + 1] = 0x30 + ((out[at + 1]! - 0x30 + 2) % 10);
  return out;
}

/** `der` with its SubjectPublicKeyInfo replaced in place by `spki` (same length), the signature kept. */
export function swapKey(der: Uint8Array, spki: Uint8Array): Uint8Array {
  const out = der.slice();
  const own = parseCertificate(der.slice()).publicKey.der;
  const at = indexOfBytes(out, own);
  if (at < 0 || own.length !== spki.length) return tamperValidity(der);
  out.set(spki, at);
  return out;
}

/** What a mutation writes into a caller's buffer. */
export type Overwrite = 'tamper-validity' | 'tamper-key' | 'zero' | 'other';
export const OVERWRITES: readonly Overwrite[] = ['tamper-validity', 'tamper-key', 'zero', 'other'];

/** Overwrites `buffer` in place with a same-length forgery of its current content (`pool` gives donors). */
export function overwrite(buffer: Uint8Array, how: Overwrite, pool: Pool): void {
  const current = buffer.slice();
  let next: Uint8Array;
  const parses = (() => {
    try {
      parseCertificate(current.slice());
      return true;
    } catch {
      return false;
    }
  })();
  if (how === 'zero' || !parses) next = new Uint8Array(buffer.length);
  else if (how === 'tamper-validity') next = tamperValidity(current);
  else if (how === 'tamper-key') {
    const donor = sameLengthDonor(pool, current, (d) => parseCertificate(d.slice()).publicKey.der);
    next = donor ? swapKey(current, donor) : tamperValidity(current);
  } else {
    next = sameLengthDonor(pool, current, (d) => d) ?? tamperValidity(current);
  }
  buffer.set(next.subarray(0, buffer.length));
}

/** The first pool certificate whose `part` has `current`'s length (for DER) or its key's length, with other bytes. */
function sameLengthDonor(
  pool: Pool,
  current: Uint8Array,
  part: (der: Uint8Array) => Uint8Array,
): Uint8Array | undefined {
  const own = part(current);
  for (const id of Object.keys(pool.der) as CertId[]) {
    const candidate = part(pool.der[id]);
    if (candidate.length === own.length && !isDeepStrictEqual(candidate, own)) return candidate.slice();
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Mutating what the library returns

/** Ways a caller may change a `Certificate` it was given (each tried; frozen objects may refuse). */
export const CERT_MUTATIONS = [
  'notAfter-year',
  'notBefore-year',
  'notAfter-setTime',
  'der-tamper-validity',
  'der-tamper-key',
  'der-zero',
  'tbs-byte',
  'signature-byte',
  'key-bytes',
  'eku-push',
  'san-push',
  'extensions-push',
  'assign-notAfter',
  'assign-publicKey',
  'assign-extKeyUsage',
  'assign-basicConstraints',
  'assign-nameConstraints',
  'assign-subjectAltNames',
  'assign-der',
  'assign-keyIds',
] as const;
export type CertMutation = (typeof CERT_MUTATIONS)[number];

function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    // a frozen object: the mutation is refused, as it may be
  }
}

/** Applies `how` to `cert` (`donor`: a fresh parse of another pool certificate, for values to assign). */
export function mutateCertificate(
  cert: Certificate,
  how: CertMutation,
  donor: Certificate,
  pool: Pool,
): void {
  attempt(mutation(cert, how, donor, pool));
}

function mutation(cert: Certificate, how: CertMutation, donor: Certificate, pool: Pool): () => void {
  const c = cert as unknown as Record<string, unknown>;
  const far = Date.UTC(2100, 0, 1);
  switch (how) {
    case 'notAfter-year':
      return () => cert.notAfter.setUTCFullYear(2100);
    case 'notBefore-year':
      return () => cert.notBefore.setUTCFullYear(2000);
    case 'notAfter-setTime':
      return () => Date.prototype.setTime.call(cert.notAfter, far);
    case 'der-tamper-validity':
      return () => overwrite(cert.der, 'tamper-validity', pool);
    case 'der-tamper-key':
      return () => overwrite(cert.der, 'tamper-key', pool);
    case 'der-zero':
      return () => cert.der.fill(0);
    case 'tbs-byte':
      return () => {
        const i = cert.tbs.length >> 1;
        cert.tbs[i] = cert.tbs[i]! ^ 1;
      };
    case 'signature-byte':
      return () => {
        const i = cert.signature.length - 1;
        cert.signature[i] = cert.signature[i]! ^ 1;
      };
    case 'key-bytes':
      return () => {
        if (cert.publicKey.der.length === donor.publicKey.der.length)
          cert.publicKey.der.set(donor.publicKey.der);
        else cert.publicKey.der.fill(0);
      };
    case 'eku-push':
      return () => (cert.extKeyUsage as string[] | undefined)?.push(OID.clientAuth, OID.serverAuth);
    case 'san-push':
      return () => (cert.subjectAltNames as unknown[] | undefined)?.push(...(donor.subjectAltNames ?? []));
    case 'extensions-push':
      return () =>
        (cert.extensions as unknown[]).push({
          oid: '1.3.6.1.4.1.99999.7',
          critical: true,
          value: new Uint8Array(),
        });
    case 'assign-notAfter':
      return () => {
        c.notAfter = new Date(far);
      };
    case 'assign-publicKey':
      return () => {
        c.publicKey = donor.publicKey;
      };
    case 'assign-extKeyUsage':
      return () => {
        c.extKeyUsage = undefined;
      };
    case 'assign-basicConstraints':
      return () => {
        c.basicConstraints = { ca: true, pathLen: undefined };
        c.keyUsage = 0xffff;
      };
    case 'assign-nameConstraints':
      return () => {
        c.nameConstraints = undefined;
      };
    case 'assign-subjectAltNames':
      return () => {
        c.subjectAltNames = donor.subjectAltNames;
      };
    case 'assign-der':
      return () => {
        c.der = donor.der;
        c.tbs = donor.tbs;
        c.signature = donor.signature;
      };
    case 'assign-keyIds':
      return () => {
        c.subjectKeyId = donor.subjectKeyId;
        c.authorityKeyId = donor.authorityKeyId;
        c.subject = donor.subject;
        c.issuer = donor.issuer;
      };
  }
}

// ---------------------------------------------------------------------------------------------------
// Verdicts

/** What a verdict says, comparable with `toEqual`: no object identities. */
export type Verdict =
  | {
      readonly ok: true;
      readonly path: readonly string[];
      readonly validUntil: string;
      readonly identity: unknown;
    }
  | { readonly ok: false; readonly code: string; readonly certIndex: number; readonly reason: string }
  | { readonly threw: string };

/** Names of the pool's DER, for verdicts that read well; other bytes go by a digest. */
const LABELS = new Map<string, string>();

/** The DER's pool name, or `sha256:` and the start of its digest: equal labels, equal bytes. */
function label(der: Uint8Array): string {
  const digest = createHash('sha256').update(der).digest('hex');
  return LABELS.get(digest) ?? `sha256:${digest.slice(0, 16)} (${der.length} bytes)`;
}

/**
 * The verdict of `result`: on success the path's DER (each certificate must also read as a fresh parse of
 * its own DER would), its validUntil and identity.
 */
export function verdictOf(result: VerifyResult): Verdict {
  if (!result.ok) return { ok: false, code: result.code, certIndex: result.certIndex, reason: result.reason };
  const path = result.path.map((c) => {
    const der = label(c.der);
    let fresh: Certificate | undefined;
    try {
      fresh = parseCertificate(c.der.slice());
    } catch {
      return `${der} (does not parse)`;
    }
    const differ = Object.keys(fresh).filter((k) => !isDeepStrictEqual((c as never)[k], (fresh as never)[k]));
    return differ.length === 0 ? der : `${der} (fields differ from the DER: ${differ.join(', ')})`;
  });
  return {
    ok: true,
    path,
    validUntil: result.validUntil.toISOString(),
    identity: {
      dns: result.identity.dns ? [...result.identity.dns] : undefined,
      spiffeId: result.identity.spiffeId,
    },
  };
}

async function settled(p: () => Promise<VerifyResult>): Promise<Verdict> {
  try {
    return verdictOf(await p());
  } catch (e) {
    return { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** A fresh bundle of pristine copies of `set`'s anchors. */
export function freshBundle(pool: Pool, set: SetId): Uint8Array[] {
  return SETS[set].map((id) => copyOf(pool, id));
}

/** One verification's request, pool-relative. */
export interface Request {
  readonly chain: number;
  readonly at: number;
  readonly usage: (typeof USAGES)[number];
  readonly name: number;
}

function describeRequest(r: Request): string {
  const c = CHAINS[r.chain]!;
  return `${c.what} [${c.leaf} | ${c.intermediates.join(', ')}] at ${TIMES[r.at]!.toISOString()}, usage ${r.usage}, name ${NAMES[r.name] ?? '(none)'}`;
}

/** The cold reference: `verifyChain` on pristine copies and a fresh bundle. */
export function coldVerdict(pool: Pool, set: SetId, r: Request): Promise<Verdict> {
  const c = CHAINS[r.chain]!;
  const name = NAMES[r.name];
  return settled(() =>
    verifyChain({
      leaf: copyOf(pool, c.leaf),
      intermediates: c.intermediates.map((id) => copyOf(pool, id)),
      bundle: freshBundle(pool, set),
      at: new Date(TIMES[r.at]!.getTime()),
      usage: r.usage,
      ...(name === undefined ? {} : { name }),
    }),
  );
}

/**
 * Cold verdicts computed while nothing has been mutated (at the start of each run), so a change to state
 * the library shares between calls (caches of parsed values) shows as a cold reference that moved.
 */
export class Oracle {
  readonly #verdicts = new Map<string, Verdict>();
  constructor(readonly pool: Pool) {}

  static key(set: SetId, r: Request): string {
    return `${set}|${r.chain}|${r.at}|${r.usage}|${r.name}`;
  }

  async prepare(set: SetId, r: Request): Promise<void> {
    const key = Oracle.key(set, r);
    if (!this.#verdicts.has(key)) this.#verdicts.set(key, await coldVerdict(this.pool, set, r));
  }

  get(set: SetId, r: Request): Verdict | undefined {
    return this.#verdicts.get(Oracle.key(set, r));
  }
}

// ---------------------------------------------------------------------------------------------------
// A backend whose answers can be interleaved with the caller

/**
 * An asynchronous backend over `base` (no `verifySync`) that runs a hook right after the `n`th signature
 * answer of a call is known and before the library sees it: the moment a caller's other code may run
 * while `verify()` is pending.
 */
export class InterleavingBackend {
  readonly backend: CryptoBackend;
  #answers = 0;
  #hook: { at: number; run: () => void } | undefined;

  constructor(base: CryptoBackend) {
    const verify: CryptoBackend['verify'] = async (...args) => {
      const ok = await base.verify(...args);
      this.#answers++;
      const hook = this.#hook;
      if (hook && hook.at === this.#answers) {
        this.#hook = undefined;
        hook.run();
      }
      return ok;
    };
    this.backend = { ...base, name: `${base.name} (interleaved)`, verify, verifySync: undefined };
  }

  /** Runs `run` after the `n`th answer from now (1 = the first). */
  arm(n: number, run: () => void): void {
    this.#answers = 0;
    this.#hook = { at: n, run };
  }

  /** Drops the hook; returns it when it had not run. */
  disarm(): (() => void) | undefined {
    const hook = this.#hook;
    this.#hook = undefined;
    return hook?.run;
  }
}

// ---------------------------------------------------------------------------------------------------
// Operations

/** When a caller overwrites an input of a pending call: right after `verify()` returns, or after the nth answer. */
export type When = 'sync' | 1 | 2 | 3;

export type Op =
  | {
      readonly kind: 'verify';
      readonly request: Request;
      readonly form: 'der' | 'pem' | 'parsed';
      /** Refill a buffer of the same length given in an earlier call, instead of a new one. */
      readonly reuse: boolean;
      readonly pending?: { readonly target: number; readonly how: Overwrite; readonly when: When };
    }
  | { readonly kind: 'again'; readonly call: number; readonly request: Request }
  | {
      readonly kind: 'repeat';
      /** Which earlier question (a `verify` operation's request) is asked again. */
      readonly of: number;
      readonly how: RepeatHow;
      /** The other time, name or usage, or the leaf's byte to change. */
      readonly at: number;
      readonly name: number;
      readonly usage: (typeof USAGES)[number];
      readonly byte: number;
    }
  | {
      readonly kind: 'fromResult';
      readonly result: number;
      readonly form: 'der' | 'parsed';
      readonly request: Request;
    }
  | { readonly kind: 'overwrite'; readonly buffer: number; readonly how: Overwrite }
  | {
      readonly kind: 'mutateResult';
      readonly result: number;
      readonly cert: number;
      readonly how: CertMutation | 'path-array' | 'validUntil' | 'identity';
      readonly donor: number;
    }
  | {
      readonly kind: 'mutateAnchor';
      readonly anchor: number;
      readonly how: CertMutation | 'array';
      readonly donor: number;
    }
  | {
      readonly kind: 'mutateBundle';
      readonly entry: number;
      readonly how: Overwrite | CertMutation;
      readonly donor: number;
    }
  | { readonly kind: 'rotate'; readonly set: SetId; readonly form: BundleForm }
  | { readonly kind: 'clearCache' };

/**
 * How a question is asked again: the same, at another time (inside or outside the window in which the
 * remembered path is valid), with one byte of the leaf changed, or the same bytes with another name or
 * usage.
 */
export type RepeatHow = 'same' | 'time' | 'leafByte' | 'name' | 'usage';
export const REPEAT_HOWS: readonly RepeatHow[] = ['same', 'time', 'leafByte', 'name', 'usage'];

/** Which operations a property draws. */
export interface Flavor {
  /** Inputs overwritten while pending and between calls, and bundle inputs after construction. */
  readonly inputs: boolean;
  /** Returned certificates and the store's anchors mutated. */
  readonly results: boolean;
  /** Whether the backend can be interleaved (asynchronous). */
  readonly interleave: boolean;
}

const POOL_IDS_COUNT = 23;

const requestArb: fc.Arbitrary<Request> = fc.record({
  // The issuer's chains and the forgeries that target a remembered issuer come more often.
  chain: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: CHAINS.length - 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 3, 6, 9, 10, 11, 17) },
  ),
  at: fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 0, max: TIMES.length - 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(4, 6, 8, 9) },
  ),
  usage: fc.constantFrom(...USAGES),
  name: fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: NAMES.length - 1 }) },
  ),
});

/** The operations of `flavor`. */
export function opArb(flavor: Flavor): fc.Arbitrary<Op> {
  const when: fc.Arbitrary<When> = flavor.interleave
    ? fc.constantFrom<When>('sync', 1, 2, 3)
    : fc.constant('sync');
  const pending = fc.record({ target: fc.nat(3), how: fc.constantFrom(...OVERWRITES), when });
  const verify = fc.record({
    kind: fc.constant('verify' as const),
    request: requestArb,
    form: fc.constantFrom('der' as const, 'pem' as const, 'parsed' as const),
    reuse: flavor.inputs ? fc.boolean() : fc.constant(false),
    pending: flavor.inputs ? fc.option(pending, { freq: 3, nil: undefined }) : fc.constant(undefined),
  });
  const ops: fc.WeightedArbitrary<Op>[] = [
    { weight: 10, arbitrary: verify as fc.Arbitrary<Op> },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('rotate' as const),
        set: fc.constantFrom(...SET_IDS),
        form: fc.constantFrom(...BUNDLE_FORMS),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'clearCache' as const }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('repeat' as const),
        of: fc.nat(),
        how: fc.constantFrom<RepeatHow>('same', 'same', ...REPEAT_HOWS),
        at: fc.nat(TIMES.length - 1),
        name: fc.nat(NAMES.length - 1),
        usage: fc.constantFrom(...USAGES),
        byte: fc.nat(),
      }),
    },
  ];
  const donor = fc.nat(POOL_IDS_COUNT - 1);
  if (flavor.inputs) {
    ops.push(
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('again' as const), call: fc.nat(), request: requestArb }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('overwrite' as const),
          buffer: fc.nat(),
          how: fc.constantFrom(...OVERWRITES),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('mutateBundle' as const),
          entry: fc.nat(),
          how: fc.constantFrom<Overwrite | CertMutation>(...OVERWRITES, ...CERT_MUTATIONS),
          donor,
        }),
      },
    );
  }
  if (flavor.results) {
    ops.push(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('mutateResult' as const),
          result: fc.nat(),
          cert: fc.nat(3),
          how: fc.constantFrom<CertMutation | 'path-array' | 'validUntil' | 'identity'>(
            ...CERT_MUTATIONS,
            'path-array',
            'validUntil',
            'identity',
          ),
          donor,
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('mutateAnchor' as const),
          anchor: fc.nat(),
          how: fc.constantFrom<CertMutation | 'array'>(...CERT_MUTATIONS, 'array'),
          donor,
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('fromResult' as const),
          result: fc.nat(),
          form: fc.constantFrom('der' as const, 'parsed' as const),
          request: requestArb,
        }),
      },
    );
  }
  return fc.oneof(...ops);
}

/** A sequence: the first bundle, then the operations. */
export interface Sequence {
  readonly set: SetId;
  readonly form: BundleForm;
  readonly ops: readonly Op[];
}

export function sequenceArb(flavor: Flavor, maxOps: number): fc.Arbitrary<Sequence> {
  return fc.record({
    set: fc.constantFrom<SetId>('old', 'old', 'both', ...SET_IDS),
    form: fc.constantFrom(...BUNDLE_FORMS),
    ops: fc.array(opArb(flavor), { minLength: 1, maxLength: maxOps }),
  });
}

// ---------------------------------------------------------------------------------------------------
// Running a sequence

/** The caller's side of a bundle: what it handed over and may still change. */
interface BundleRefs {
  readonly buffers: Uint8Array[];
  readonly parsed: Certificate[];
  readonly array: unknown[] | undefined;
  readonly store: { readonly anchors: readonly Certificate[] } | undefined;
}

function makeBundle(
  pool: Pool,
  set: SetId,
  form: BundleForm,
): { bundle: TrustBundleInput; refs: BundleRefs } {
  const buffers = freshBundle(pool, set);
  if (form === 'pem') {
    return {
      bundle: SETS[set].map((id) => pool.pem[id]).join(''),
      refs: { buffers: [], parsed: [], array: undefined, store: undefined },
    };
  }
  if (form === 'der')
    return { bundle: buffers, refs: { buffers, parsed: [], array: buffers, store: undefined } };
  const parsed = buffers.map((b) => parseCertificate(b));
  if (form === 'parsed')
    return { bundle: parsed, refs: { buffers, parsed, array: parsed, store: undefined } };
  const store = createTrustStore(buffers);
  return { bundle: store, refs: { buffers, parsed: [], array: undefined, store } };
}

/** A verification's inputs as the caller keeps them. */
interface Call {
  readonly input: ChainInput;
  /** The byte arrays handed over (leaf first), which the caller may overwrite. */
  readonly buffers: Uint8Array[];
}

/** What a failed comparison reports. */
export class Mismatch extends Error {}

function fail(step: number, op: Op, what: string, warm: Verdict, reference: Verdict): never {
  throw new Mismatch(
    `step ${step} (${op.kind}${'request' in op ? `: ${describeRequest(op.request)}` : ''}): ${what}\n` +
      `  warm:      ${JSON.stringify(warm)}\n  reference: ${JSON.stringify(reference)}`,
  );
}

/** Everything a run needs besides its sequence. */
export interface RunContext {
  readonly pool: Pool;
  readonly oracle: Oracle;
  /** The interleaving backend in use, when the backend is asynchronous. */
  readonly interleaving: InterleavingBackend | undefined;
}

function donorCert(pool: Pool, n: number): Certificate {
  const ids = Object.keys(pool.der) as CertId[];
  return parseCertificate(copyOf(pool, ids[n % ids.length]!));
}

/** Runs `seq` on one Verifier, comparing every verdict with the cold reference; throws a {@link Mismatch}. */
export async function runSequence(seq: Sequence, ctx: RunContext): Promise<void> {
  const { pool, oracle } = ctx;
  // The reference verdicts, while nothing has been mutated yet.
  let set = seq.set;
  for (const op of seq.ops) {
    if (op.kind === 'rotate') set = op.set;
    else if (op.kind === 'verify') await oracle.prepare(set, op.request);
  }
  set = seq.set;
  let made = makeBundle(pool, set, seq.form);
  let verifier = new Verifier({ bundle: made.bundle });
  const calls: Call[] = [];
  const asked: Request[] = [];
  const handed: Uint8Array[] = [];
  const results: VerifyResult[] = [];

  const run = async (
    step: number,
    op: Op,
    input: ChainInput,
    buffers: Uint8Array[],
    pending?: () => void,
    when?: When,
  ) => {
    let deferred: (() => void) | undefined;
    if (pending && when !== 'sync' && when !== undefined && ctx.interleaving)
      ctx.interleaving.arm(when, pending);
    else deferred = pending;
    let promise: Promise<VerifyResult>;
    try {
      promise = verifier.verify(input);
    } catch (e) {
      promise = Promise.reject(e);
    }
    if (deferred && when === 'sync') {
      deferred();
      deferred = undefined;
    }
    let warm: Verdict;
    try {
      const result = await promise;
      warm = verdictOf(result);
      if (result.ok) results.push(result);
    } catch (e) {
      warm = { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    const late = ctx.interleaving?.disarm() ?? deferred;
    calls.push({ input, buffers });
    handed.push(...buffers);
    late?.();
    void step;
    void op;
    return warm;
  };

  for (let step = 0; step < seq.ops.length; step++) {
    const op = seq.ops[step]!;
    switch (op.kind) {
      case 'verify': {
        asked.push(op.request);
        const chain = CHAINS[op.request.chain]!;
        const ids = [chain.leaf, ...chain.intermediates];
        const buffers: Uint8Array[] = [];
        for (const id of ids) {
          const old = op.reuse
            ? handed.find((b) => b.length === pool.der[id].length && !buffers.includes(b))
            : undefined;
          buffers.push(old ?? copyOf(pool, id));
        }
        // A refilled buffer holds its certificate's bytes when the call is made.
        for (let i = 0; i < ids.length; i++) buffers[i]!.set(pool.der[ids[i]!]);
        const inputs =
          op.form === 'der'
            ? buffers
            : op.form === 'pem'
              ? ids.map((id) => pool.pem[id])
              : buffers.map((b) => {
                  try {
                    return parseCertificate(b);
                  } catch {
                    return b;
                  }
                });
        const name = NAMES[op.request.name];
        const input: ChainInput = {
          leaf: inputs[0]!,
          intermediates: inputs.slice(1),
          at: new Date(TIMES[op.request.at]!.getTime()),
          usage: op.request.usage,
          ...(name === undefined ? {} : { name }),
        };
        const p = op.pending;
        const target = p && op.form !== 'pem' ? buffers[p.target % buffers.length] : undefined;
        const warm = await run(
          step,
          op,
          input,
          op.form === 'pem' ? [] : buffers,
          target && p ? () => overwrite(target, p.how, pool) : undefined,
          p?.when,
        );
        const cold = await coldVerdict(pool, set, op.request);
        if (!isDeepStrictEqual(warm, cold))
          fail(step, op, 'warm ≠ cold verifyChain on pristine copies', warm, cold);
        const reference = oracle.get(set, op.request);
        if (reference && !isDeepStrictEqual(cold, reference)) {
          fail(
            step,
            op,
            'the cold reference moved: state shared between calls was changed through a result',
            cold,
            reference,
          );
        }
        break;
      }
      case 'repeat': {
        // An earlier question asked again, as fresh DER buffers: the same, or changed in one respect.
        const earlier = asked[op.of % Math.max(1, asked.length)];
        if (!earlier) break;
        const request: Request =
          op.how === 'time'
            ? { ...earlier, at: op.at }
            : op.how === 'name'
              ? { ...earlier, name: op.name }
              : op.how === 'usage'
                ? { ...earlier, usage: op.usage }
                : earlier;
        const chain = CHAINS[request.chain]!;
        const leaf = copyOf(pool, chain.leaf);
        if (op.how === 'leafByte') {
          const i = op.byte % leaf.length;
          leaf[i] = leaf[i]! ^ (1 << (op.byte % 8));
        }
        const name = NAMES[request.name];
        const at = TIMES[request.at]!;
        const given = (): ChainInput => ({
          leaf: leaf.slice(),
          intermediates: chain.intermediates.map((id) => copyOf(pool, id)),
          at: new Date(at.getTime()),
          usage: request.usage,
          ...(name === undefined ? {} : { name }),
        });
        const cold = await settled(() => verifyChain({ ...given(), bundle: freshBundle(pool, set) }));
        const warm = await run(step, op, given(), []);
        if (!isDeepStrictEqual(warm, cold))
          fail(step, op, `warm ≠ cold on a question asked again (${op.how})`, warm, cold);
        break;
      }
      case 'again':
      case 'fromResult': {
        // The caller presents what it holds now: earlier buffers as they are, or a result's certificates.
        let leaf: Uint8Array | Certificate;
        let rest: (Uint8Array | Certificate)[];
        if (op.kind === 'again') {
          const call = calls[op.call % Math.max(1, calls.length)];
          if (!call || call.buffers.length === 0) break;
          [leaf, ...rest] = call.buffers as [Uint8Array, ...Uint8Array[]];
        } else {
          const result = results[op.result % Math.max(1, results.length)];
          if (!result?.ok) break;
          let path: readonly Certificate[];
          try {
            path = [...result.path];
          } catch {
            break;
          }
          if (path.length === 0) break;
          const given = op.form === 'der' ? path.map((c) => c.der) : path;
          [leaf, ...rest] = given as [Uint8Array | Certificate, ...(Uint8Array | Certificate)[]];
        }
        const name = NAMES[op.request.name];
        const at = TIMES[op.request.at]!;
        const input: ChainInput = {
          leaf,
          intermediates: rest,
          at: new Date(at.getTime()),
          usage: op.request.usage,
          ...(name === undefined ? {} : { name }),
        };
        // The reference: the bytes the caller presents, copied now (a parsed certificate counts by its DER).
        const derOf = (x: Uint8Array | Certificate) => (x instanceof Uint8Array ? x : x.der).slice();
        const coldInput = {
          leaf: derOf(leaf),
          intermediates: rest.map(derOf),
          bundle: freshBundle(pool, set),
          at: new Date(at.getTime()),
          usage: op.request.usage,
          ...(name === undefined ? {} : { name }),
        };
        const cold = await settled(() => verifyChain(coldInput));
        const warm = await run(step, op, input, []);
        if (!isDeepStrictEqual(warm, cold)) {
          fail(
            step,
            op,
            `warm ≠ cold on the bytes presented (${op.kind === 'again' ? 'buffers of an earlier call' : `a result's certificates as ${op.form}`})`,
            warm,
            cold,
          );
        }
        break;
      }
      case 'overwrite': {
        const buffer = handed[op.buffer % Math.max(1, handed.length)];
        if (buffer) overwrite(buffer, op.how, pool);
        break;
      }
      case 'mutateResult': {
        const result = results[op.result % Math.max(1, results.length)];
        if (!result?.ok) break;
        if (op.how === 'path-array') {
          attempt(() => (result.path as Certificate[]).reverse());
          attempt(() => ((result.path as Certificate[]).length = 0));
        } else if (op.how === 'validUntil') {
          attempt(() => result.validUntil.setUTCFullYear(2100));
        } else if (op.how === 'identity') {
          attempt(() => (result.identity.dns as string[] | undefined)?.push(ADMIN.dns));
          attempt(() => {
            (result.identity as { spiffeId?: string }).spiffeId = ADMIN.spiffe;
          });
        } else {
          let cert: Certificate | undefined;
          attempt(() => {
            cert = result.path[op.cert % result.path.length];
          });
          if (cert) mutateCertificate(cert, op.how, donorCert(pool, op.donor), pool);
        }
        break;
      }
      case 'mutateAnchor': {
        const anchors = verifier.store!.anchors;
        if (op.how === 'array') {
          const donor = donorCert(pool, op.donor);
          attempt(() => {
            (anchors as Certificate[])[op.anchor % anchors.length] = donor;
          });
          attempt(() => (anchors as Certificate[]).push(donor));
        } else {
          const anchor = anchors[op.anchor % anchors.length];
          if (anchor) mutateCertificate(anchor, op.how, donorCert(pool, op.donor), pool);
        }
        break;
      }
      case 'mutateBundle': {
        const refs = made.refs;
        const how = op.how;
        if ((OVERWRITES as readonly string[]).includes(how)) {
          const buffer = refs.buffers[op.entry % Math.max(1, refs.buffers.length)];
          if (buffer) overwrite(buffer, how as Overwrite, pool);
          if (refs.array && refs.array.length > 0) {
            const donor = donorCert(pool, op.donor);
            attempt(() => {
              refs.array![op.entry % refs.array!.length] = refs.parsed.length > 0 ? donor : donor.der;
            });
          }
        } else {
          const targets = refs.store ? refs.store.anchors : refs.parsed;
          const target = targets[op.entry % Math.max(1, targets.length)];
          if (target) mutateCertificate(target, how as CertMutation, donorCert(pool, op.donor), pool);
        }
        break;
      }
      case 'rotate':
        set = op.set;
        made = makeBundle(pool, set, op.form);
        verifier = new Verifier({ bundle: made.bundle });
        break;
      case 'clearCache':
        verifier.clearCache();
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// State the library shares between calls

/**
 * Guards what parsing shares between certificates (decoded algorithms, issuer names, extKeyUsage lists):
 * after a run, a fresh parse of every pool certificate must equal the parse made before any run. A
 * change is put back (so later runs start clean) and reported.
 */
export class SharedStateGuard {
  readonly #pristine: Map<CertId, Certificate>;
  constructor(readonly pool: Pool) {
    this.#pristine = new Map(
      (Object.keys(pool.der) as CertId[]).map((id) => [
        id,
        structuredClone(parseCertificate(copyOf(pool, id))),
      ]),
    );
  }

  /** The certificates whose fresh parse changed (already put back). */
  check(): string[] {
    const changed: string[] = [];
    for (const [id, pristine] of this.#pristine) {
      const fresh = parseCertificate(copyOf(this.pool, id));
      if (isDeepStrictEqual(fresh, pristine)) continue;
      changed.push(
        `${id}: ${Object.keys(pristine)
          .filter((k) => !isDeepStrictEqual((fresh as never)[k], (pristine as never)[k]))
          .join(', ')}`,
      );
      restore(fresh, pristine);
    }
    return changed;
  }
}

function restore(target: unknown, pristine: unknown): void {
  if (typeof target !== 'object' || target === null || typeof pristine !== 'object' || pristine === null)
    return;
  if (target instanceof Uint8Array && pristine instanceof Uint8Array) {
    if (target.length === pristine.length) attempt(() => target.set(pristine));
    return;
  }
  if (target instanceof Date && pristine instanceof Date) {
    Date.prototype.setTime.call(target, pristine.getTime());
    return;
  }
  for (const key of Object.keys(pristine)) {
    const want = (pristine as Record<string, unknown>)[key];
    const have = (target as Record<string, unknown>)[key];
    if (typeof want === 'object' && want !== null && typeof have === 'object' && have !== null)
      restore(have, want);
    else if (have !== want) attempt(() => ((target as Record<string, unknown>)[key] = want));
  }
}
