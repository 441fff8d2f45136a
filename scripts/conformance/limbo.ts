/**
 * Runs an x509-limbo suite (`../shared/conformance/README.md`) through `verifyChain`, mapping each case
 * as limbo's harnesses do: anchors = trusted_certs, pool = untrusted_intermediates, leaf =
 * peer_certificate (unparseable = FAILURE), time = validation_time (null = now), the DNS or IP peer name
 * against the leaf's SANs, the extended key usage asked (none asked: serverAuth for SERVER, clientAuth for
 * CLIENT), max_chain_depth, and the keyUsage asked of the leaf. Cases needing what l5d-pki does not
 * implement are SKIPPED (see docs/conformance.md); of two conflicting cases one is run. The suite holds
 * validators to the web PKI's profile, so it is scored under l5d-pki's strict profile
 * (`profile: 'strict'`), not the default one, which accepts what Linkerd's proxy and control
 * plane accept.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isPkiError } from '../../src/errors';
import { type Profile, type Usage, type VerifyResult, verifyChain } from '../../src/verify';
import { KeyUsage } from '../../src/x509/types';

type Expected = 'SUCCESS' | 'FAILURE';
type Actual = Expected | 'SKIPPED';

interface PeerName {
  readonly kind: 'DNS' | 'IP' | 'RFC822';
  readonly value: string;
}

interface LimboCase {
  readonly id: string;
  readonly features: readonly string[];
  readonly conflicts_with: readonly string[];
  readonly validation_kind: 'SERVER' | 'CLIENT';
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
  readonly validation_time: string | null;
  readonly expected_peer_name: PeerName | null;
  readonly extended_key_usage: readonly string[];
  readonly key_usage: readonly string[];
  readonly max_chain_depth: number | null;
  readonly crls: readonly string[];
  readonly expected_result: Expected;
}

/** One entry of limbo's result file. */
interface CaseResult {
  readonly id: string;
  readonly actual_result: Actual;
  readonly context: string;
}

/**
 * The verification policy x509-limbo is scored under, as the runner prints it.
 *
 * @example
 * ```ts
 * console.log(LIMBO_POLICY); // profile: strict (...)
 * ```
 */
export const LIMBO_POLICY =
  'profile: strict (the RFC 5280 / CA/Browser Forum profile x509-limbo is written for; the default linkerd profile accepts more)';

/** Counts and findings of one run. */
export interface LimboReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Cases expected to fail that verified, with what happened. */
  readonly wrongAccepts: readonly string[];
  /** Cases expected to verify that failed, with why. */
  readonly wrongRejects: readonly string[];
}

/**
 * Features l5d-pki does not implement, and why; cases carrying one are SKIPPED.
 * docs/conformance.md explains each.
 */
export const UNSUPPORTED_FEATURES: Readonly<Record<string, string>> = {
  'has-crl': 'revocation (CRLs) is not implemented',
  'pedantic-public-suffix-wildcard': 'wildcard SANs are not checked against the Public Suffix List',
  'pedantic-rfc5280': 'trust anchors need no authorityKeyIdentifier, even when cross-signed',
  'pedantic-webpki-eku': 'extKeyUsage follows RFC 5280 (optional, any criticality, allowed in anchors)',
  'rfc5280-incompatible-with-webpki': 'non-critical nameConstraints are processed, as the CA/B Forum allows',
};

const USAGE_BY_EKU: Readonly<Record<string, Usage>> = { serverAuth: 'server', clientAuth: 'client' };
const DEFAULT_USAGE: Readonly<Record<LimboCase['validation_kind'], Usage>> = {
  SERVER: 'server',
  CLIENT: 'client',
};

/** Why `c` is not run (a feature l5d-pki lacks, or an input it cannot express), or `undefined`. */
function unsupported(c: LimboCase): string | undefined {
  const feature = c.features.find((f) => f in UNSUPPORTED_FEATURES);
  if (feature !== undefined) return `${feature}: ${UNSUPPORTED_FEATURES[feature]}`;
  if (c.crls.length > 0) return 'revocation (CRLs) is not implemented';
  if (c.extended_key_usage.length > 1 || c.extended_key_usage.some((e) => !(e in USAGE_BY_EKU))) {
    return `extended key usage ${c.extended_key_usage.join(', ')} cannot be asked for`;
  }
  if (c.expected_peer_name?.kind === 'RFC822') return 'rfc822Name peer names cannot be asked for';
  if (c.key_usage.some((k) => !(k in KeyUsage))) return `key usage ${c.key_usage.join(', ')} is unknown`;
  return undefined;
}

/**
 * Of conflicting cases, the one run is the supported one; among equals, l5d-pki follows RFC 5280 over the
 * CA/B Forum's web profile (a Linkerd issuer, a CA, may be a path's leaf), then the smaller id.
 */
function preference(c: LimboCase): [number, number, string] {
  return [unsupported(c) === undefined ? 0 : 1, c.id.startsWith('rfc5280::') ? 0 : 1, c.id];
}

function preferred(a: LimboCase, b: LimboCase): boolean {
  const [x, y] = [preference(a), preference(b)];
  return x[0] !== y[0] ? x[0] < y[0] : x[1] !== y[1] ? x[1] < y[1] : x[2] < y[2];
}

/** Why `c` is SKIPPED, or `undefined` when it runs. */
function skipReason(c: LimboCase, byId: ReadonlyMap<string, LimboCase>): string | undefined {
  const own = unsupported(c);
  if (own !== undefined) return own;
  const winner = c.conflicts_with
    .map((id) => byId.get(id))
    .find((other) => other !== undefined && preferred(other, c));
  return winner ? `conflicts with ${winner.id}, which is run` : undefined;
}

async function runCase(c: LimboCase, profile: Profile): Promise<{ actual: Expected; context: string }> {
  try {
    const result = await verifyChain({
      profile,
      leaf: c.peer_certificate,
      intermediates: c.untrusted_intermediates,
      bundle: c.trusted_certs,
      usage: USAGE_BY_EKU[c.extended_key_usage[0] ?? ''] ?? DEFAULT_USAGE[c.validation_kind],
      ...(c.validation_time === null ? {} : { at: new Date(c.validation_time) }),
      ...(c.expected_peer_name === null ? {} : { name: c.expected_peer_name.value }),
      ...(c.max_chain_depth === null ? {} : { maxDepth: c.max_chain_depth }),
    });
    return judge(result, c.key_usage);
  } catch (e) {
    if (!isPkiError(e)) throw e;
    return { actual: 'FAILURE', context: `${e.code}: ${e.message}` };
  }
}

/** A verified chain still fails when the leaf's keyUsage lacks a usage the case asks for. */
function judge(result: VerifyResult, keyUsage: readonly string[]): { actual: Expected; context: string } {
  if (!result.ok)
    return {
      actual: 'FAILURE',
      context: `${result.code} (certificate ${result.certIndex}): ${result.reason}`,
    };
  const ku = result.path[0]!.keyUsage;
  const missing = keyUsage.filter((k) => ku !== undefined && !(ku & KeyUsage[k as keyof typeof KeyUsage]));
  if (missing.length > 0) return { actual: 'FAILURE', context: `leaf keyUsage lacks ${missing.join(', ')}` };
  return { actual: 'SUCCESS', context: `chain of ${result.path.length} verified` };
}

function readCases(file: string): LimboCase[] {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const data: unknown = JSON.parse(text);
  const cases = typeof data === 'object' && data !== null ? Reflect.get(data, 'testcases') : undefined;
  if (!Array.isArray(cases)) throw new Error(`${file}: expected an x509-limbo suite with testcases`);
  return cases as LimboCase[];
}

/**
 * Runs every case of an x509-limbo suite (`.json` or `.json.gz`) and, with `out`, writes limbo's result
 * file there. Cases are verified with `profile: 'strict'` ({@link LIMBO_POLICY}) unless
 * `profile` is `'linkerd'` (to see what the default profile accepts beyond the suite's profile).
 *
 * @example
 * ```ts
 * const report = await runLimbo('../shared/conformance/limbo-dev.json.gz', { out: '.tmp/limbo-results.json' });
 * report.wrongAccepts; // []
 * ```
 */
export async function runLimbo(
  file: string,
  options: { readonly out?: string; readonly profile?: Profile } = {},
): Promise<LimboReport> {
  const profile = options.profile ?? 'strict';
  const cases = readCases(file);
  const byId = new Map(cases.map((c) => [c.id, c]));
  const results: CaseResult[] = [];
  const wrongAccepts: string[] = [];
  const wrongRejects: string[] = [];
  let passed = 0;
  for (const c of cases) {
    const skip = skipReason(c, byId);
    if (skip !== undefined) {
      results.push({ id: c.id, actual_result: 'SKIPPED', context: skip });
      continue;
    }
    const { actual, context } = await runCase(c, profile);
    results.push({ id: c.id, actual_result: actual, context });
    if (actual === c.expected_result) passed++;
    else (actual === 'SUCCESS' ? wrongAccepts : wrongRejects).push(`${c.id}: ${context}`);
  }
  if (options.out !== undefined) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify({ version: 1, harness: 'l5d-pki', results }, null, 2)}\n`);
  }
  const failed = wrongAccepts.length + wrongRejects.length;
  return { passed, failed, skipped: results.length - passed - failed, wrongAccepts, wrongRejects };
}

/**
 * {@link runLimbo} for the conformance dispatcher: the policy scored ({@link LIMBO_POLICY}) as a note, then
 * wrong accepts and wrong rejects as mismatch lines.
 *
 * @example
 * ```ts
 * const report = await runLimboConformance('../shared/conformance/limbo-dev.json.gz', { out: '.tmp/limbo.json' });
 * ```
 */
export async function runLimboConformance(file: string, options: { readonly out?: string }) {
  const report = await runLimbo(file, options);
  const mismatches = [
    ...report.wrongAccepts.map((line) => `wrong accept: ${line}`),
    ...report.wrongRejects.map((line) => `wrong reject: ${line}`),
  ];
  return {
    passed: report.passed,
    failed: report.failed,
    skipped: report.skipped,
    mismatches,
    notes: [LIMBO_POLICY],
  };
}
