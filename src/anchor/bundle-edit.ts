/**
 * Editing trust bundles as operators do during rotations: SHA-256 fingerprints as OpenSSL prints them,
 * adding, removing, pruning and comparing anchors. Apart from `bundle.ts`, so that verification, which
 * reads bundles, does not bring a hash function into a browser bundle.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { sameBytes } from '../der';
import { PkiError, quoteInput } from '../errors';
import { decodePem, decodePemBlock } from '../pem';
import { requireArray, requireOptions } from '../validate';
import { type CertificateInput, certificateDer, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';
import { parseBundle, writeBundle } from './bundle';

/**
 * The SHA-256 fingerprint of a certificate's DER, as `openssl x509 -fingerprint -sha256 -noout` prints
 * it: uppercase hex pairs joined by colons. It tells apart anchors with the same name.
 *
 * @example
 * ```ts
 * certificateFingerprint(anchor.certificate); // 'AB:12:…' (32 pairs)
 * ```
 */
export function certificateFingerprint(certificate: CertificateInput): string {
  const der =
    typeof certificate === 'string'
      ? decodePemBlock(certificate, ['CERTIFICATE']).der
      : certificateDer(certificate as Certificate);
  const hex = Array.from(sha256(der), (b) => b.toString(16).padStart(2, '0').toUpperCase());
  return hex.join(':');
}

/**
 * A SHA-256 fingerprint as operators copy it (`AB:12:…` from OpenSSL, `ab12…` from `sha256sum`, with or
 * without a `sha256 Fingerprint=` or `SHA256:` prefix), normalized to the form of
 * {@link certificateFingerprint}. Anything but 32 bytes of hex throws `ERR_INVALID_ARGUMENT`: a
 * fingerprint is never matched by prefix.
 *
 * @example
 * ```ts
 * normalizeFingerprint('sha256 Fingerprint=ab:cd:…'); // 'AB:CD:…'
 * ```
 */
export function normalizeFingerprint(text: string): string {
  if (typeof text !== 'string') throw new PkiError('ERR_INVALID_ARGUMENT', 'a fingerprint must be text');
  const bare = text
    .trim()
    .replace(/^sha256\s*fingerprint\s*=\s*/i, '')
    .replace(/^sha-?256:?\s*/i, '')
    .replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(bare)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `${quoteInput(text)} is not a SHA-256 fingerprint (64 hex digits, colons allowed)`,
    );
  }
  return bare.toUpperCase().match(/../g)!.join(':');
}

/** One certificate of a bundle, as the bundle functions report it. */
export interface BundleEntry {
  /** The parsed certificate. */
  readonly certificate: Certificate;
  /** {@link certificateFingerprint} of it. */
  readonly fingerprint: string;
  /** The subject CN, or the subject's other attributes when it has no CN. */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Whether its notAfter is before `now`. */
  readonly expired: boolean;
}

/** A bundle as the bundle functions take it: PEM text (`ca-bundle.crt`) or a list of certificates. */
export type BundleText = string | readonly CertificateInput[];

function subjectLabel(cert: Certificate): string {
  return cert.subject.commonName ?? `serial ${cert.serialHex}`;
}

function entriesOf(bundle: BundleText, now: number): BundleEntry[] {
  return readEntries(bundle, now).entries;
}

/** The bundle's entries, and how many duplicate certificates (same DER) it held beyond them. */
function readEntries(bundle: BundleText, now: number): { entries: BundleEntry[]; duplicates: number } {
  let certs: Certificate[];
  let given: number;
  if (typeof bundle === 'string') {
    certs = parseBundle(bundle);
    given = decodePem(bundle).length;
  } else {
    requireArray(bundle, 'the bundle');
    certs = [];
    for (const c of bundle) {
      const cert = toCertificate(c);
      if (!certs.some((k) => sameBytes(k.der, cert.der))) certs.push(cert);
    }
    if (certs.length === 0) throw new PkiError('ERR_BUNDLE_EMPTY', 'the bundle holds no certificate');
    given = bundle.length;
  }
  return { entries: certs.map((certificate) => entry(certificate, now)), duplicates: given - certs.length };
}

function entry(certificate: Certificate, now: number): BundleEntry {
  return {
    certificate,
    fingerprint: certificateFingerprint(certificate),
    subject: subjectLabel(certificate),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    expired: certificate.notAfter.getTime() < now,
  };
}

function nowOf(now: Date | undefined): number {
  if (now === undefined) return Date.now();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new PkiError('ERR_INVALID_ARGUMENT', '`now` must be a valid Date');
  }
  return now.getTime();
}

/** The result of {@link addToBundle}, {@link removeFromBundle} and {@link pruneBundle}. */
export interface BundleEdit {
  /** The new bundle as PEM, duplicates dropped, order kept. */
  readonly pem: string;
  /** The anchors it holds. */
  readonly anchors: BundleEntry[];
  /** What was added (added) or dropped (removed, pruned). */
  readonly changed: BundleEntry[];
  /** Certificates given to add that the bundle held already. */
  readonly unchanged: BundleEntry[];
  /** How many duplicate copies of a certificate the bundle held and the result drops. */
  readonly duplicates: number;
}

/** Options of {@link addToBundle}. */
export interface AddToBundleOptions {
  /** The bundle in force. */
  readonly bundle: BundleText;
  /** The anchors to add (PEM text may hold several). */
  readonly add: BundleText;
  /** For `expired`; default now. */
  readonly now?: Date;
}

/**
 * Adds trust anchors to a bundle (the first step of an anchor rotation: the old and the new anchor
 * together), after the ones it holds. Certificates it holds already are not added twice. Refuses
 * (`ERR_BUNDLE_INVALID`) a certificate that is not a CA, and an expired one: neither can anchor a chain.
 *
 * @example
 * ```ts
 * const { pem } = addToBundle({ bundle: readFileSync('ca-bundle.crt', 'utf8'), add: newAnchor.pem });
 * ```
 */
export function addToBundle(options: AddToBundleOptions): BundleEdit {
  requireOptions(options, 'addToBundle');
  const now = nowOf(options.now);
  const { entries: anchors, duplicates } = readEntries(options.bundle, now);
  const changed: BundleEntry[] = [];
  const unchanged: BundleEntry[] = [];
  for (const e of entriesOf(options.add, now)) {
    if (e.certificate.basicConstraints?.ca !== true) {
      throw new PkiError('ERR_BUNDLE_INVALID', `${e.subject} (${e.fingerprint}) is not a CA certificate`);
    }
    if (e.expired) {
      throw new PkiError(
        'ERR_BUNDLE_INVALID',
        `${e.subject} (${e.fingerprint}) expired on ${isoSeconds(e.notAfter)}`,
      );
    }
    if (anchors.some((a) => a.fingerprint === e.fingerprint)) unchanged.push(e);
    else {
      anchors.push(e);
      changed.push(e);
    }
  }
  return { pem: writeBundle(anchors.map((a) => a.certificate)), anchors, changed, unchanged, duplicates };
}

/** Options of {@link removeFromBundle}. */
export interface RemoveFromBundleOptions {
  /** The bundle in force. */
  readonly bundle: BundleText;
  /** SHA-256 fingerprints of the anchors to remove, in any form {@link normalizeFingerprint} reads. */
  readonly fingerprints: readonly string[];
  /** For `expired`; default now. */
  readonly now?: Date;
}

/**
 * Removes anchors by SHA-256 fingerprint (the last step of an anchor rotation), never by name: two
 * anchors of a rotation usually share it. A fingerprint the bundle does not hold, or removing every
 * anchor, throws (`ERR_INVALID_ARGUMENT`, `ERR_BUNDLE_EMPTY`) and changes nothing.
 *
 * @example
 * ```ts
 * const { pem } = removeFromBundle({ bundle, fingerprints: [certificateFingerprint(oldAnchor.certificate)] });
 * ```
 */
export function removeFromBundle(options: RemoveFromBundleOptions): BundleEdit {
  requireOptions(options, 'removeFromBundle');
  requireArray(options.fingerprints, '`fingerprints`');
  const now = nowOf(options.now);
  const { entries: anchors, duplicates } = readEntries(options.bundle, now);
  const wanted = options.fingerprints.map(normalizeFingerprint);
  const missing = wanted.find((f) => !anchors.some((a) => a.fingerprint === f));
  if (missing !== undefined) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `the bundle holds no certificate with fingerprint ${missing}`);
  }
  const kept = anchors.filter((a) => !wanted.includes(a.fingerprint));
  if (kept.length === 0) {
    throw new PkiError('ERR_BUNDLE_EMPTY', 'removing every anchor would leave the bundle empty');
  }
  const changed = anchors.filter((a) => wanted.includes(a.fingerprint));
  return {
    pem: writeBundle(kept.map((a) => a.certificate)),
    anchors: kept,
    changed,
    unchanged: [],
    duplicates,
  };
}

/** Options of {@link pruneBundle}. */
export interface PruneBundleOptions {
  /** The bundle in force. */
  readonly bundle: BundleText;
  /** Anchors whose notAfter is before this are dropped; default now. */
  readonly now?: Date;
}

/**
 * Drops expired anchors and duplicates (the same DER twice) from a bundle. An anchor that is not yet
 * valid stays: it may be the next one. When every anchor has expired, throws `ERR_BUNDLE_EMPTY`.
 *
 * @example
 * ```ts
 * const { pem, changed } = pruneBundle({ bundle, now: new Date() });
 * changed.map((e) => e.fingerprint); // the expired anchors dropped
 * ```
 */
export function pruneBundle(options: PruneBundleOptions): BundleEdit {
  requireOptions(options, 'pruneBundle');
  const now = nowOf(options.now);
  const { entries: anchors, duplicates } = readEntries(options.bundle, now);
  const kept = anchors.filter((a) => !a.expired);
  if (kept.length === 0) {
    throw new PkiError('ERR_BUNDLE_EMPTY', 'every anchor of the bundle has expired; nothing would be left');
  }
  const changed = anchors.filter((a) => a.expired);
  return {
    pem: writeBundle(kept.map((a) => a.certificate)),
    anchors: kept,
    changed,
    unchanged: [],
    duplicates,
  };
}

/** Two certificates of a {@link diffBundles} result that are one anchor renewed: same subject and key. */
export interface RenewedPair {
  readonly a: BundleEntry;
  readonly b: BundleEntry;
}

/** What {@link diffBundles} finds. */
export interface BundleDiff {
  /** Anchors in both bundles (the same certificate). */
  readonly shared: BundleEntry[];
  /**
   * Anchors that differ as certificates but have the same subject and public key (one renewed in
   * place): a chain verifies under either, so the bundles share trust through them.
   */
  readonly renewed: RenewedPair[];
  /** Anchors only in the first bundle. */
  readonly onlyA: BundleEntry[];
  /** Anchors only in the second bundle. */
  readonly onlyB: BundleEntry[];
  /**
   * Whether a chain to one bundle's anchors can verify against the other's: a shared or renewed anchor
   * that has not expired at `now` (the multicluster question).
   */
  readonly shareTrust: boolean;
  /** The latest time at which a shared (or renewed) anchor is still valid in both; `null` without one. */
  readonly sharedUntil: Date | null;
}

/** Options of {@link diffBundles}. */
export interface DiffBundlesOptions {
  readonly a: BundleText;
  readonly b: BundleText;
  /** Default now. */
  readonly now?: Date;
}

/**
 * Compares two bundles, say of two clusters: the anchors they share, the ones only in each, and whether
 * they still share a valid anchor, so that leaves of one mesh verify in the other.
 *
 * @example
 * ```ts
 * const d = diffBundles({ a: east, b: west, now: new Date() });
 * if (!d.shareTrust) console.error('the clusters no longer share a trust anchor');
 * ```
 */
export function diffBundles(options: DiffBundlesOptions): BundleDiff {
  requireOptions(options, 'diffBundles');
  const now = nowOf(options.now);
  const a = entriesOf(options.a, now);
  const b = entriesOf(options.b, now);
  const inB = (e: BundleEntry) => b.some((x) => x.fingerprint === e.fingerprint);
  const shared = a.filter(inB);
  const sameAnchor = (x: BundleEntry, y: BundleEntry) =>
    x.fingerprint !== y.fingerprint &&
    sameBytes(x.certificate.subject.der, y.certificate.subject.der) &&
    sameBytes(x.certificate.publicKey.der, y.certificate.publicKey.der);
  const renewed: RenewedPair[] = [];
  for (const x of a) for (const y of b) if (sameAnchor(x, y)) renewed.push({ a: x, b: y });
  const onlyA = a.filter((e) => !inB(e));
  const onlyB = b.filter((e) => !a.some((x) => x.fingerprint === e.fingerprint));
  let until = Number.NEGATIVE_INFINITY;
  for (const s of shared) until = Math.max(until, s.notAfter.getTime());
  for (const r of renewed) until = Math.max(until, Math.min(r.a.notAfter.getTime(), r.b.notAfter.getTime()));
  const sharedUntil = Number.isFinite(until) ? new Date(until) : null;
  return { shared, renewed, onlyA, onlyB, shareTrust: until >= now, sharedUntil };
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
