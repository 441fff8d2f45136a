import { PkiError } from '../errors';
import { isValidSpiffeId } from '../spiffe';
import { type Certificate, KeyUsage } from '../x509/types';
import type { VerifyBudget } from './budget';
import { parseInput, verifyChain } from './chain';
import { failure, type Problem, problem, type VerifyFailure, type VerifySuccess } from './result';
import type { CertificateInput, TrustBundleInput } from './store';

/**
 * Options of {@link verifySvid}.
 *
 * @example
 * ```ts
 * const options: VerifySvidOptions = { leaf: svidPem, bundle: bundlePem, expectedId: 'spiffe://example.org/web' };
 * ```
 */
export interface VerifySvidOptions {
  /** The X509-SVID leaf. */
  readonly leaf: CertificateInput;
  /** The SVID's intermediates, each one certificate; every one must be a signing CA. */
  readonly intermediates?: readonly CertificateInput[];
  /** The trust domain's X.509 bundle. */
  readonly bundle: TrustBundleInput;
  /** The validation time; default: now. */
  readonly at?: Date;
  /** The SPIFFE ID expected, or a predicate such as a `SpiffeIdMatcher` from `l5d-pki/spiffe`. */
  readonly expectedId?: string | ((id: string) => boolean);
  /** As {@link VerifyChainOptions.maxDepth}. */
  readonly maxDepth?: number;
  /** As {@link VerifyChainOptions.budget}. */
  readonly budget?: VerifyBudget;
}

/**
 * The outcome of {@link verifySvid}: a verified chain with the SVID's SPIFFE ID, or a failure.
 *
 * @example
 * ```ts
 * const result: SvidVerifyResult = await verifySvid({ leaf, bundle });
 * if (result.ok) console.log(result.spiffeId);
 * ```
 */
export type SvidVerifyResult = (VerifySuccess & { readonly spiffeId: string }) | VerifyFailure;

/**
 * Verifies an X509-SVID as go-spiffe's `x509svid.Verify` and `Parse` do: the leaf carries exactly one URI
 * SAN, a valid SPIFFE ID; it is not a CA, has keyUsage digitalSignature and neither keyCertSign nor
 * cRLSign; every presented intermediate is a CA with keyCertSign; the chain verifies against `bundle`
 * (any extended key usage); only then is the ID matched against `expectedId`. SVID rule violations fail
 * with `SVID_INVALID`, another ID with `NAME_MISMATCH`; `certIndex` counts the presented chain (leaf = 0).
 *
 * @example
 * ```ts
 * const result = await verifySvid({
 *   leaf: svidPem,
 *   intermediates: [intermediatePem],
 *   bundle: bundlePem,
 *   expectedId: matchMemberOf('example.org'),
 * });
 * if (result.ok) console.log(result.spiffeId); // 'spiffe://example.org/workload-1'
 * ```
 */
export async function verifySvid(options: VerifySvidOptions): Promise<SvidVerifyResult> {
  const leaf = parseInput(options.leaf, 0, 'leaf');
  if ('ok' in leaf) return leaf;
  const id = svidId(leaf);
  if (typeof id !== 'string') return failure(id, 0);
  const leafRule = svidLeafProblem(leaf);
  if (leafRule) return failure(leafRule, 0);
  const intermediates: Certificate[] = [];
  for (const [i, input] of (options.intermediates ?? []).entries()) {
    const cert = parseInput(input, i + 1, `intermediate ${i + 1}`);
    if ('ok' in cert) return cert;
    const rule = svidSigningProblem(cert);
    if (rule) return failure(rule, i + 1);
    intermediates.push(cert);
  }
  const { expectedId, ...chain } = options;
  const result = await verifyChain({ ...chain, leaf, intermediates });
  if (!result.ok) return result;
  if (!idExpected(id, expectedId)) {
    return failure(problem('NAME_MISMATCH', `SPIFFE ID ${id} is not the one expected`), 0);
  }
  return { ...result, spiffeId: id };
}

/** The leaf's SPIFFE ID: its only URI SAN, which must be a valid SPIFFE ID. */
function svidId(leaf: Certificate): string | Problem {
  const uris = (leaf.subjectAltNames ?? []).flatMap((s) => (s.type === 'uri' ? [s.value] : []));
  if (uris.length !== 1)
    return problem('SVID_INVALID', `an X509-SVID has exactly one URI SAN, not ${uris.length}`);
  const id = uris[0]!;
  return isValidSpiffeId(id)
    ? id
    : problem('SVID_INVALID', `URI SAN ${JSON.stringify(id)} is not a valid SPIFFE ID`);
}

function svidLeafProblem(leaf: Certificate): Problem | undefined {
  const ku = leaf.keyUsage ?? 0;
  if (leaf.basicConstraints?.ca) return problem('SVID_INVALID', 'leaf SVID with basicConstraints cA');
  if (!(ku & KeyUsage.digitalSignature))
    return problem('SVID_INVALID', 'leaf SVID without keyUsage digitalSignature');
  if (ku & KeyUsage.keyCertSign) return problem('SVID_INVALID', 'leaf SVID with keyUsage keyCertSign');
  if (ku & KeyUsage.cRLSign) return problem('SVID_INVALID', 'leaf SVID with keyUsage cRLSign');
  return undefined;
}

function svidSigningProblem(cert: Certificate): Problem | undefined {
  if (!cert.basicConstraints?.ca)
    return problem('SVID_INVALID', 'signing certificate without basicConstraints cA');
  if (!((cert.keyUsage ?? 0) & KeyUsage.keyCertSign)) {
    return problem('SVID_INVALID', 'signing certificate without keyUsage keyCertSign');
  }
  return undefined;
}

function idExpected(id: string, expected: VerifySvidOptions['expectedId']): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'string') return id === expected;
  if (typeof expected === 'function') return expected(id);
  throw new PkiError('ERR_INVALID_ARGUMENT', 'expectedId must be a SPIFFE ID string or a predicate');
}
