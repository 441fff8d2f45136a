/**
 * Runs go-spiffe's own `spiffeid` test vectors (see `../shared/conformance/README.md`) through
 * `src/spiffe`. A vector passes when l5d-pki accepts exactly what go-spiffe accepts, with the same parsed
 * parts, and rejects the rest with a `PkiError` of the expected code.
 */
import { readFileSync } from 'node:fs';
import { isPkiError, type PkiErrorCode } from '../../src/errors';
import {
  formatSpiffeId,
  isValidSpiffeId,
  isValidTrustDomain,
  matchAny,
  matchId,
  matchMemberOf,
  matchOneOf,
  parseSpiffeId,
  parseTrustDomain,
  type SpiffeIdMatcher,
  spiffeIdFromSegments,
} from '../../src/spiffe';

type Part = 'trust_domain' | 'path' | 'string';
type Parts = Partial<Record<Part, string>>;

interface ParseVector extends Parts {
  readonly input: string;
  readonly valid: boolean;
}

interface SegmentsVector extends Parts {
  readonly segments: string[];
  readonly valid: boolean;
}

interface MatcherVector {
  readonly matcher: 'any' | 'id' | 'one_of' | 'member_of';
  readonly arg: string[] | null;
  readonly id: string;
  readonly match: boolean;
}

interface SpiffeVectors {
  readonly id_from_string: ParseVector[];
  readonly trust_domain_from_string: ParseVector[];
  readonly join_path_segments: SegmentsVector[];
  readonly matchers: MatcherVector[];
}

/** Counts and findings of one run; `mismatches` name each failed vector and what differed. */
export interface SpiffeConformanceResult {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly mismatches: readonly string[];
}

/** A vector's outcome: `undefined` = pass, a string = what differed. */
type Verdict = string | undefined;

/** A trust domain for building IDs from segments: the vectors only test the segments. */
const SEGMENTS_TRUST_DOMAIN = 'example.org';

type Attempt<T> = { readonly value: T } | { readonly error: unknown };

function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

function describeError(error: unknown): string {
  return isPkiError(error) ? `${error.code}: ${error.message}` : String(error);
}

/** Compares a parse attempt with a vector: same validity, same parts, the right error code. */
function judge(
  expected: { readonly valid: boolean } & Parts,
  got: Attempt<Parts>,
  code: PkiErrorCode,
): string | undefined {
  if ('error' in got) {
    if (expected.valid) return `expected valid, got ${describeError(got.error)}`;
    return isPkiError(got.error, code) ? undefined : `expected ${code}, got ${describeError(got.error)}`;
  }
  if (!expected.valid) return `expected invalid, got ${JSON.stringify(got.value)}`;
  for (const [part, actual] of Object.entries(got.value)) {
    const want = expected[part as Part] ?? (part === 'path' ? '' : undefined);
    if (want !== undefined && actual !== want) {
      return `${part}: expected ${JSON.stringify(want)}, got ${JSON.stringify(actual)}`;
    }
  }
  return undefined;
}

function checkId(v: ParseVector): Verdict {
  if (isValidSpiffeId(v.input) !== v.valid) return `isValidSpiffeId gave ${!v.valid}`;
  const got = attempt(() => {
    const id = parseSpiffeId(v.input);
    return { trust_domain: id.trustDomain, path: id.path, string: id.toString() };
  });
  return judge(v, got, 'ERR_SPIFFE_ID_INVALID');
}

function checkTrustDomain(v: ParseVector): Verdict {
  if (isValidTrustDomain(v.input) !== v.valid) return `isValidTrustDomain gave ${!v.valid}`;
  const got = attempt(() => {
    const td = parseTrustDomain(v.input);
    return { trust_domain: td, string: formatSpiffeId(td, '') };
  });
  return judge(v, got, 'ERR_TRUST_DOMAIN_INVALID');
}

function checkSegments(v: SegmentsVector): Verdict {
  const got = attempt(() => ({ path: spiffeIdFromSegments(SEGMENTS_TRUST_DOMAIN, ...v.segments).path }));
  return judge(v, got, 'ERR_SPIFFE_ID_INVALID');
}

function buildMatcher(kind: MatcherVector['matcher'], args: readonly string[]): SpiffeIdMatcher {
  switch (kind) {
    case 'any':
      return matchAny();
    case 'id':
      return matchId(args[0] ?? '');
    case 'one_of':
      return matchOneOf(...args);
    case 'member_of':
      return matchMemberOf(args[0] ?? '');
  }
}

function checkMatcher(v: MatcherVector): Verdict {
  const args = v.arg ?? [];
  const matcher = buildMatcher(v.matcher, args);
  const asString = matcher(v.id);
  // The zero ID has no parsed form; its string form is the whole check.
  const asObject = v.id === '' ? asString : matcher(parseSpiffeId(v.id));
  if (asString !== v.match || asObject !== v.match) {
    return `expected match=${v.match}, got ${asString} (string) / ${asObject} (SpiffeId)`;
  }
  return undefined;
}

/** Runs one check; an unexpected exception is a failure, not a crash. */
function verdictOf<V>(check: (v: V) => Verdict, v: V): Verdict {
  const got = attempt(() => check(v));
  return 'error' in got ? `threw ${describeError(got.error)}` : got.value;
}

/** Each vector's label and verdict, in file order. */
function* verdicts(data: SpiffeVectors): Generator<readonly [string, Verdict]> {
  for (const v of data.id_from_string) {
    yield [`id_from_string ${JSON.stringify(v.input)}`, verdictOf(checkId, v)];
  }
  for (const v of data.trust_domain_from_string) {
    yield [`trust_domain_from_string ${JSON.stringify(v.input)}`, verdictOf(checkTrustDomain, v)];
  }
  for (const v of data.join_path_segments) {
    yield [`join_path_segments ${JSON.stringify(v.segments)}`, verdictOf(checkSegments, v)];
  }
  for (const v of data.matchers) {
    const label = `matchers ${v.matcher}(${JSON.stringify(v.arg)}) on ${JSON.stringify(v.id)}`;
    yield [label, verdictOf(checkMatcher, v)];
  }
}

function readVectors(file: string): SpiffeVectors {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const sections = ['id_from_string', 'trust_domain_from_string', 'join_path_segments', 'matchers'];
  if (
    typeof data !== 'object' ||
    data === null ||
    !sections.every((k) => Array.isArray(Reflect.get(data, k)))
  ) {
    throw new Error(`${file}: expected go-spiffe vectors with ${sections.join(', ')}`);
  }
  return data as SpiffeVectors;
}

/**
 * Runs every vector of a go-spiffe `spiffeid` vector file (e.g. `../shared/conformance/spiffeid-dev.json`).
 *
 * @example
 * ```ts
 * const { passed, failed, mismatches } = runSpiffeConformance('../shared/conformance/spiffeid-dev.json');
 * ```
 */
export function runSpiffeConformance(file: string): SpiffeConformanceResult {
  let passed = 0;
  const mismatches: string[] = [];
  for (const [label, verdict] of verdicts(readVectors(file))) {
    if (verdict === undefined) passed++;
    else mismatches.push(`FAIL ${label}: ${verdict}`);
  }
  return { passed, failed: mismatches.length, skipped: 0, mismatches };
}
