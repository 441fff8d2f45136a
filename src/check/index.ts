/**
 * `linkerd check` diagnostics over certificates: the `linkerd-identity` category (issuer and trust
 * anchors), the data-plane "certificate match CA" check, and Linkerd's table and JSON output. Pure
 * functions: certificates come in parsed, as DER or as PEM, `now` as an option.
 *
 * @example
 * ```ts
 * import { checkIdentity, formatCheckResults } from 'l5d-pki';
 * const results = await checkIdentity({ bundle, issuer: { certificate: tlsCrt, key: tlsKey }, now: new Date() });
 * console.log(formatCheckResults(results, { output: 'table' }));
 * ```
 * @module
 */
export { checkDataPlaneAnchors, type DataPlaneAnchorsInput } from './data-plane';
export { type FormatCheckOptions, formatCheckResults } from './format';
export { checkIdentity, type IdentityCheckInput } from './identity';
export {
  type CheckResult,
  type CheckSeverity,
  type CheckStatus,
  checksPassed,
  HINT_BASE_URL,
} from './result';
