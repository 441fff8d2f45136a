import { PkiError, quoteInput } from '../errors';
import { isValidSpiffeId, parseSpiffeId } from '../spiffe';
import { requireTrustDomainName } from '../spiffe/trust-domain';
import { type Certificate, KeyUsage } from '../x509/types';
import type { VerifyBudget } from './budget';
import { parseInput, type VerifyChainOptions, verifyChain } from './chain';
import {
  failure,
  type Problem,
  problem,
  type VerifiedChain,
  type VerifyFailure,
  type VerifySuccess,
  withSpiffeId,
} from './result';
import { type CertificateInput, createTrustStore, type TrustBundleInput, type TrustStore } from './store';
import {
  createTrustBundleSet,
  TrustBundleSet,
  type TrustBundleSetInput,
  type TrustDomainBundle,
} from './trust-domains';

/**
 * Options of {@link verifySvid}. The anchors come with the trust domain they belong to: either `bundle` of
 * one trust domain (named by `trustDomain`, or implied by an `expectedId` SPIFFE ID string), or `bundles` of
 * several, keyed by trust domain.
 *
 * @example
 * ```ts
 * const one: VerifySvidOptions = { leaf: svidPem, bundle: bundlePem, trustDomain: 'example.org' };
 * const exact: VerifySvidOptions = { leaf: svidPem, bundle: bundlePem, expectedId: 'spiffe://example.org/web' };
 * const many: VerifySvidOptions = { leaf: svidPem, bundles: { 'example.org': bundlePem, 'example.com': otherPem } };
 * ```
 */
export interface VerifySvidOptions {
  /** The X509-SVID leaf. */
  readonly leaf: CertificateInput;
  /** The SVID's intermediates, each one certificate; every one must be a signing CA. */
  readonly intermediates?: readonly CertificateInput[];
  /**
   * The X.509 bundle of one trust domain: `trustDomain`, or else the trust domain of `expectedId` when that
   * is a SPIFFE ID string. Without either, the call throws: a bundle alone does not say whose SVIDs it
   * signs. Give `bundle` or `bundles`, not both.
   */
  readonly bundle?: TrustBundleInput;
  /** The trust domain `bundle` belongs to: a bare name such as `example.org`. Only with `bundle`. */
  readonly trustDomain?: string;
  /** Bundles keyed by trust domain (a {@link TrustBundleSet} built once is the cheapest form). */
  readonly bundles?: TrustBundleSetInput;
  /** The validation time; default: now. */
  readonly at?: Date;
  /**
   * The SPIFFE ID expected (a valid SPIFFE ID string), or a predicate such as a `SpiffeIdMatcher` from
   * `l5d-pki/spiffe`. A predicate never stands for a trust domain: with `bundle`, give `trustDomain` too.
   */
  readonly expectedId?: string | ((id: string) => boolean);
  /** As {@link VerifyChainOptions.maxDepth}. */
  readonly maxDepth?: number;
  /** As {@link VerifyChainOptions.budget}. */
  readonly budget?: VerifyBudget;
}

/**
 * The outcome of {@link verifySvid}: a verified chain with the SVID's SPIFFE ID and trust domain, or a
 * failure.
 *
 * @example
 * ```ts
 * const result: SvidVerifyResult = await verifySvid({ leaf, bundle, trustDomain: 'example.org' });
 * if (result.ok) console.log(result.spiffeId, result.trustDomain);
 * ```
 */
export type SvidVerifyResult =
  | (VerifySuccess & {
      /** The SVID's SPIFFE ID. */
      readonly spiffeId: string;
      /** The trust domain of that ID, whose anchors the chain verified against. */
      readonly trustDomain: string;
    })
  | VerifyFailure;

/**
 * Verifies an X509-SVID as go-spiffe's `x509svid.Verify` and `Parse` do: the leaf carries exactly one URI
 * SAN, a valid SPIFFE ID; it is not a CA, has keyUsage digitalSignature and neither keyCertSign nor
 * cRLSign; every presented intermediate is a CA with keyCertSign; the chain verifies against the anchors of
 * the SVID's own trust domain, and no other (any extended key usage); only then is the ID matched against
 * `expectedId`. SVID rule violations fail with `SVID_INVALID`, a trust domain without a bundle with
 * `TRUST_DOMAIN_UNKNOWN`, another ID with `NAME_MISMATCH`; `certIndex` counts the presented chain (leaf = 0).
 *
 * The anchors are bound to trust domains: `bundle` with `trustDomain` (or with an `expectedId` SPIFFE ID
 * string, whose trust domain it then is), or `bundles` keyed by trust domain. An SVID of another trust
 * domain never verifies against them, even when the same CA signed it. Misuse throws `PkiError`:
 * `ERR_INVALID_ARGUMENT` for `bundle` without a trust domain, both or neither of `bundle` and `bundles`,
 * `trustDomain` with `bundles`, or an `expectedId` outside `trustDomain`; `ERR_TRUST_DOMAIN_INVALID` and
 * `ERR_SPIFFE_ID_INVALID` for an invalid `trustDomain` or `expectedId` string; and the bundle's own errors.
 *
 * @example
 * ```ts
 * const result = await verifySvid({
 *   leaf: svidPem,
 *   intermediates: [intermediatePem],
 *   bundle: bundlePem,
 *   trustDomain: 'example.org',
 * });
 * if (result.ok) console.log(result.spiffeId); // 'spiffe://example.org/workload-1'
 * else if (result.code === 'TRUST_DOMAIN_UNKNOWN') console.log(result.reason); // an SVID of another trust domain
 *
 * // Federation: each trust domain's SVIDs against its own anchors only.
 * const bundles = new TrustBundleSet({
 *   'identity.linkerd.cluster.local': meshAnchorsPem,
 *   'example.org': partnerAnchorsPem,
 * });
 * const peer = await verifySvid({ leaf: peerDer, intermediates: peerChain, bundles, expectedId: matchMemberOf('example.org') });
 * ```
 */
export async function verifySvid(options: VerifySvidOptions): Promise<SvidVerifyResult> {
  if (typeof options !== 'object' || options === null) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'verifySvid takes an options object');
  }
  // Each option is read once: a getter cannot answer one thing to a check and another to its use.
  const { leaf: leafInput, intermediates: presented, expectedId, at, maxDepth, budget } = options;
  const anchors = svidAnchors(options.bundle, options.bundles, options.trustDomain, expectedId);
  const leaf = parseInput(leafInput, 0, 'leaf');
  if ('ok' in leaf) return leaf;
  const id = svidId(leaf);
  if (typeof id !== 'string') return failure(id, 0);
  const leafRule = svidLeafProblem(leaf);
  if (leafRule) return failure(leafRule, 0);
  const intermediates: Certificate[] = [];
  for (const [i, input] of presentedList(presented).entries()) {
    const cert = parseInput(input, i + 1, `intermediate ${i + 1}`);
    if ('ok' in cert) return cert;
    const rule = svidSigningProblem(cert);
    if (rule) return failure(rule, i + 1);
    intermediates.push(cert);
  }
  const trustDomain = parseSpiffeId(id).trustDomain;
  const store = storeOf(anchors, trustDomain);
  if (store === undefined) return failure(unknownTrustDomain(anchors, trustDomain), 0);
  const chain: { -readonly [K in keyof VerifyChainOptions]: VerifyChainOptions[K] } = {
    leaf,
    intermediates,
    bundle: store,
  };
  if (at !== undefined) chain.at = at;
  if (maxDepth !== undefined) chain.maxDepth = maxDepth;
  if (budget !== undefined) chain.budget = budget;
  const result = await verifyChain(chain);
  if (!result.ok) return result;
  if (!idExpected(id, expectedId)) {
    return failure(problem('NAME_MISMATCH', `SPIFFE ID ${id} is not the one expected`), 0);
  }
  return withSpiffeId(result as VerifiedChain, id, trustDomain);
}

/**
 * The anchors the options give, each bound to its trust domain: one trust domain's entry, or a set. Checks
 * every option that can be checked before the SVID is read, so misuse throws whatever the SVID.
 */
function svidAnchors(
  bundle: TrustBundleInput | undefined,
  bundles: TrustBundleSetInput | undefined,
  trustDomain: string | undefined,
  expectedId: VerifySvidOptions['expectedId'],
): TrustDomainBundle | TrustBundleSet {
  const expectedDomain = expectedTrustDomain(expectedId);
  if ((bundle === undefined) === (bundles === undefined)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'give either bundle (one trust domain, with trustDomain) or bundles (keyed by trust domain)',
    );
  }
  if (bundles !== undefined) {
    if (trustDomain !== undefined) {
      throw new PkiError(
        'ERR_INVALID_ARGUMENT',
        'trustDomain names the trust domain of bundle; with bundles, use expectedId (e.g. matchMemberOf)',
      );
    }
    return createTrustBundleSet(bundles);
  }
  const domain =
    trustDomain === undefined ? expectedDomain : requireTrustDomainName(trustDomain, 'trustDomain');
  if (domain === undefined) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'bundle needs the trust domain it belongs to: give trustDomain, an expectedId SPIFFE ID, or bundles',
    );
  }
  if (expectedDomain !== undefined && expectedDomain !== domain) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `expectedId is not in trust domain "${domain}"`);
  }
  return {
    trustDomain: domain,
    store: createTrustStore(bundle as TrustBundleInput),
    sequence: undefined,
    refreshHint: undefined,
  };
}

/** The trust domain a SPIFFE ID string `expectedId` implies; checks `expectedId`'s type. */
function expectedTrustDomain(expected: VerifySvidOptions['expectedId']): string | undefined {
  if (typeof expected === 'string') return parseSpiffeId(expected).trustDomain;
  if (expected === undefined || typeof expected === 'function') return undefined;
  throw new PkiError('ERR_INVALID_ARGUMENT', 'expectedId must be a SPIFFE ID string or a predicate');
}

/** The anchors of `trustDomain`, or `undefined` when it has none. */
function storeOf(anchors: TrustDomainBundle | TrustBundleSet, trustDomain: string): TrustStore | undefined {
  if (anchors instanceof TrustBundleSet) return anchors.get(trustDomain)?.store;
  return anchors.trustDomain === trustDomain ? anchors.store : undefined;
}

function unknownTrustDomain(anchors: TrustDomainBundle | TrustBundleSet, trustDomain: string): Problem {
  const given =
    anchors instanceof TrustBundleSet
      ? `the bundles are of ${anchors.size} other trust domain${anchors.size === 1 ? '' : 's'}`
      : `the bundle is trust domain "${anchors.trustDomain}"'s`;
  return problem('TRUST_DOMAIN_UNKNOWN', `no X.509 bundle for trust domain "${trustDomain}": ${given}`);
}

/** The presented intermediates as a list (JavaScript callers may pass anything). */
function presentedList(inputs: VerifySvidOptions['intermediates']): readonly CertificateInput[] {
  if (inputs === undefined) return [];
  if (!Array.isArray(inputs)) throw new PkiError('ERR_INVALID_ARGUMENT', 'intermediates must be an array');
  return inputs;
}

/** The leaf's SPIFFE ID: its only URI SAN, which must be a valid SPIFFE ID (go-spiffe's words). */
export function svidId(leaf: Certificate): string | Problem {
  const uris = (leaf.subjectAltNames ?? []).flatMap((s) => (s.type === 'uri' ? [s.value] : []));
  if (uris.length === 0) return problem('SVID_INVALID', 'leaf certificate contains no URI SAN');
  if (uris.length > 1) return problem('SVID_INVALID', 'leaf certificate contains more than one URI SAN');
  const id = uris[0]!;
  return isValidSpiffeId(id)
    ? id
    : problem('SVID_INVALID', `leaf certificate URI SAN ${quoteInput(id)} is not a valid SPIFFE ID`);
}

/** go-spiffe's leaf rules, in its order and words. */
export function svidLeafProblem(leaf: Certificate): Problem | undefined {
  const ku = leaf.keyUsage ?? 0;
  if (leaf.basicConstraints?.ca)
    return problem('SVID_INVALID', 'leaf certificate must not have CA flag set to true');
  if (!(ku & KeyUsage.digitalSignature))
    return problem('SVID_INVALID', "leaf certificate must have 'digitalSignature' set as key usage");
  if (ku & KeyUsage.keyCertSign)
    return problem('SVID_INVALID', "leaf certificate must not have 'keyCertSign' set as key usage");
  if (ku & KeyUsage.cRLSign)
    return problem('SVID_INVALID', "leaf certificate must not have 'cRLSign' set as key usage");
  return undefined;
}

/** go-spiffe's rules for the certificates above the leaf, in its words. */
export function svidSigningProblem(cert: Certificate): Problem | undefined {
  if (!cert.basicConstraints?.ca)
    return problem('SVID_INVALID', 'signing certificate must have CA flag set to true');
  if (!((cert.keyUsage ?? 0) & KeyUsage.keyCertSign)) {
    return problem('SVID_INVALID', "signing certificate must have 'keyCertSign' set as key usage");
  }
  return undefined;
}

function idExpected(id: string, expected: VerifySvidOptions['expectedId']): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'string') return id === expected;
  return expected(id) === true;
}
