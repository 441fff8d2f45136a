/**
 * Conversions between PEM trust bundles (`ca-bundle.crt`) and SPIFFE bundles, bundle sets built from
 * documents, PEM or both, and the delay before a bundle is fetched again.
 *
 * @module
 */
import { writeBundle } from '../anchor/bundle';
import { type DurationInput, durationMs } from '../duration';
import { PkiError } from '../errors';
import { requireTrustDomainName } from '../spiffe/trust-domain';
import type { TrustBundleInput } from '../verify/store';
import { createTrustStore } from '../verify/store';
import {
  type SequencedBundle,
  TrustBundleSet,
  type TrustBundleSetInput,
  type TrustDomainBundle,
} from '../verify/trust-domains';
import { isSpiffeBundle, parseSpiffeBundle, readOptions, type SpiffeBundle } from './document';

/**
 * Options of {@link spiffeBundleFromPem}.
 *
 * @example
 * ```ts
 * const options: SpiffeBundleFromPemOptions = { trustDomain: 'example.org', bundle: caBundlePem };
 * ```
 */
export interface SpiffeBundleFromPemOptions {
  /** The trust domain whose anchors these are. */
  readonly trustDomain: string;
  /** The anchors: a PEM `ca-bundle.crt`, or any other `TrustBundleInput` form. */
  readonly bundle: TrustBundleInput;
  /** `spiffe_sequence` to give the bundle. */
  readonly sequence?: number;
  /** Refresh hint to give the bundle: whole seconds, as milliseconds or Go duration text. */
  readonly refreshHint?: DurationInput;
}

/**
 * A trust domain's PEM anchors (`ca-bundle.crt`) as a {@link SpiffeBundle}: its X.509 authorities, no JWT
 * authority, and the sequence and refresh hint given. `writeSpiffeBundle` then writes it as a document.
 * Throws the trust bundle's errors (`ERR_BUNDLE_EMPTY`, `ERR_BUNDLE_INVALID`, ...), `ERR_INVALID_ARGUMENT`
 * for a sequence that is not a whole number from 0 to 2^53 - 1, `ERR_DURATION_INVALID` for a refresh hint
 * that is not whole seconds.
 *
 * @example
 * ```ts
 * const bundle = spiffeBundleFromPem({ trustDomain: 'identity.linkerd.cluster.local', bundle: caBundlePem, sequence: 1 });
 * const document = writeSpiffeBundle({ bundle });
 * ```
 */
export function spiffeBundleFromPem(options: SpiffeBundleFromPemOptions): SpiffeBundle {
  const o = readOptions(options, 'spiffeBundleFromPem', ['trustDomain', 'bundle', 'sequence', 'refreshHint']);
  const trustDomain = requireTrustDomainName(o.trustDomain, 'trustDomain');
  const anchors = createTrustStore(o.bundle as TrustBundleInput).anchors;
  const sequence = o.sequence;
  if (sequence !== undefined && !(Number.isSafeInteger(sequence) && (sequence as number) >= 0)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'sequence must be a whole number from 0 to 2^53 - 1');
  }
  let refreshHint: number | undefined;
  if (o.refreshHint !== undefined) {
    refreshHint = durationMs(o.refreshHint as DurationInput, 'refreshHint', 'ERR_DURATION_INVALID', 0);
    if (refreshHint % 1000 !== 0) {
      throw new PkiError('ERR_DURATION_INVALID', `a refresh hint is whole seconds; ${refreshHint} ms is not`);
    }
  }
  return Object.freeze({
    trustDomain,
    x509Authorities: Object.freeze(anchors),
    jwtAuthorities: Object.freeze([]),
    witAuthorities: Object.freeze([]),
    sequence: sequence as number | undefined,
    refreshHint,
  });
}

/**
 * The X.509 authorities of a SPIFFE bundle as a PEM `ca-bundle.crt` (what Linkerd's trust roots and
 * `linkerd install --identity-trust-anchors-file` take). JWT authorities have no PEM form and are left
 * out. Throws `ERR_BUNDLE_EMPTY` when the bundle has no X.509 authority, `ERR_INVALID_ARGUMENT` for
 * anything but a parsed bundle.
 *
 * @example
 * ```ts
 * const caBundle = spiffeBundleToPem(parseSpiffeBundle({ trustDomain: 'example.org', document }));
 * ```
 */
export function spiffeBundleToPem(bundle: SpiffeBundle): string {
  if (!isSpiffeBundle(bundle)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'spiffeBundleToPem takes a parsed SPIFFE bundle');
  }
  const { trustDomain, x509Authorities } = bundle;
  if (x509Authorities.length === 0) {
    throw new PkiError(
      'ERR_BUNDLE_EMPTY',
      `the SPIFFE bundle of "${String(trustDomain)}" has no X.509 authority`,
    );
  }
  return writeBundle(x509Authorities);
}

/**
 * One trust domain's bundle as {@link createSpiffeBundleSet} takes it: a SPIFFE bundle document (JSON text
 * starting with `{`, or its UTF-8 bytes), a parsed {@link SpiffeBundle}, or trust anchors in any
 * `TrustBundleInput` form (PEM text included).
 *
 * @example
 * ```ts
 * const inputs: SpiffeBundleSetEntry[] = [documentText, caBundlePem, parsedBundle];
 * ```
 */
export type SpiffeBundleSetEntry = string | Uint8Array | SpiffeBundle | SequencedBundle | TrustBundleInput;

/**
 * A `TrustBundleSet` from bundles keyed by trust domain, each a SPIFFE bundle document, PEM, or both
 * kinds in one set: documents are parsed for their key's trust domain (their sequence and refresh hint
 * are kept, so the set's `update` orders later ones), PEM and the other forms are read as anchors. Throws
 * as {@link parseSpiffeBundle} and the `TrustBundleSet` constructor do, naming the trust domain.
 *
 * @example
 * ```ts
 * const bundles = createSpiffeBundleSet({
 *   'identity.linkerd.cluster.local': readFileSync('ca-bundle.crt', 'utf8'),
 *   'example.org': readFileSync('example.org.bundle.json', 'utf8'),
 * });
 * const result = await verifySvid({ leaf, intermediates, bundles });
 * ```
 */
export function createSpiffeBundleSet(
  input: ReadonlyMap<string, SpiffeBundleSetEntry> | { readonly [trustDomain: string]: SpiffeBundleSetEntry },
): TrustBundleSet {
  let pairs: [unknown, unknown][];
  if (input instanceof Map) pairs = [...input];
  else if (typeof input === 'object' && input !== null && !Array.isArray(input) && isPlain(input)) {
    pairs = Object.entries(input);
  } else {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'bundles must be a Map or an object keyed by trust domain');
  }
  const out = new Map<string, TrustBundleInput | SequencedBundle>();
  for (const [key, entry] of pairs) {
    const trustDomain = requireTrustDomainName(key, 'trust domain');
    out.set(trustDomain, isDocument(entry) ? parseFor(trustDomain, entry) : (entry as TrustBundleInput));
  }
  return new TrustBundleSet(out as TrustBundleSetInput);
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether an entry is a SPIFFE bundle document (JSON text or bytes) rather than anchors. */
function isDocument(entry: unknown): entry is string | Uint8Array {
  if (entry instanceof Uint8Array) return true;
  return typeof entry === 'string' && entry.trimStart().startsWith('{');
}

function parseFor(trustDomain: string, document: string | Uint8Array): SpiffeBundle {
  try {
    return parseSpiffeBundle({ trustDomain, document });
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
    throw new PkiError(e.code, `trust domain "${trustDomain}": ${e.message}`, { cause: e });
  }
}

/**
 * Delay before a bundle is fetched again when it gives no refresh hint: five minutes.
 *
 * @example
 * ```ts
 * bundleRefreshDelay({ bundle: { refreshHint: undefined } }) === BUNDLE_REFRESH_DEFAULT_MS; // true
 * ```
 */
export const BUNDLE_REFRESH_DEFAULT_MS = 5 * 60_000;

/**
 * Shortest delay {@link bundleRefreshDelay} returns by default: ten seconds, so a hint of 0 (or a hostile
 * tiny one) does not make a client poll a bundle endpoint in a loop.
 *
 * @example
 * ```ts
 * bundleRefreshDelay({ bundle: { refreshHint: 0 } }); // 10000
 * ```
 */
export const BUNDLE_REFRESH_MIN_MS = 10_000;

/**
 * Longest delay {@link bundleRefreshDelay} returns by default: one day, so a peer's anchor rotation is
 * seen within a day whatever its hint.
 *
 * @example
 * ```ts
 * bundleRefreshDelay({ bundle: { refreshHint: 7 * 86_400_000 } }); // 86400000
 * ```
 */
export const BUNDLE_REFRESH_MAX_MS = 86_400_000;

/**
 * Options of {@link bundleRefreshDelay}.
 *
 * @example
 * ```ts
 * const options: BundleRefreshOptions = { bundle: parsed, fallback: '1m', min: '5s', max: '1h' };
 * ```
 */
export interface BundleRefreshOptions {
  /** The bundle: a parsed {@link SpiffeBundle}, a `TrustBundleSet` entry, or anything with `refreshHint` (ms). */
  readonly bundle: { readonly refreshHint?: number | undefined } | SpiffeBundle | TrustDomainBundle;
  /** Delay when the bundle has no hint; default {@link BUNDLE_REFRESH_DEFAULT_MS}. */
  readonly fallback?: DurationInput;
  /** Shortest delay; default {@link BUNDLE_REFRESH_MIN_MS}. */
  readonly min?: DurationInput;
  /** Longest delay; default {@link BUNDLE_REFRESH_MAX_MS}. */
  readonly max?: DurationInput;
}

/**
 * When to fetch a trust domain's bundle again, in whole milliseconds from now: its refresh hint, or
 * `fallback` without one, kept between `min` and `max` (as `proxyRefreshDelay` keeps the proxy's). Throws
 * `ERR_DURATION_INVALID` for durations that are not whole non-negative milliseconds, `ERR_INVALID_ARGUMENT`
 * when `min` exceeds `max` or the bundle's hint is not one.
 *
 * @example
 * ```ts
 * const bundle = parseSpiffeBundle({ trustDomain: 'example.org', document }); // spiffe_refresh_hint: 60
 * setTimeout(refetch, bundleRefreshDelay({ bundle })); // 60000
 * ```
 */
export function bundleRefreshDelay(options: BundleRefreshOptions): number {
  const o = readOptions(options, 'bundleRefreshDelay', ['bundle', 'fallback', 'min', 'max']);
  if (typeof o.bundle !== 'object' || o.bundle === null) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'bundleRefreshDelay needs bundle');
  }
  let hint: unknown;
  try {
    hint = (o.bundle as { refreshHint?: unknown }).refreshHint;
  } catch (e) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the bundle could not be read', { cause: e });
  }
  if (hint !== undefined && !(Number.isSafeInteger(hint) && (hint as number) >= 0)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', "the bundle's refreshHint must be whole milliseconds");
  }
  const ms = (value: unknown, fallback: number, what: string) =>
    value === undefined ? fallback : durationMs(value as DurationInput, what, 'ERR_DURATION_INVALID', 0);
  const min = ms(o.min, BUNDLE_REFRESH_MIN_MS, 'min');
  const max = ms(o.max, BUNDLE_REFRESH_MAX_MS, 'max');
  if (min > max) throw new PkiError('ERR_INVALID_ARGUMENT', `min (${min} ms) exceeds max (${max} ms)`);
  const delay = (hint as number | undefined) ?? ms(o.fallback, BUNDLE_REFRESH_DEFAULT_MS, 'fallback');
  return Math.min(max, Math.max(min, delay));
}
