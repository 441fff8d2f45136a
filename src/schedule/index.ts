/**
 * Renewal maths: Go durations, linkerd2-proxy's refresh rule, cert-manager's renewal time and spec
 * validation, and a planner for a whole trust hierarchy. Pure functions: `now` is always an argument.
 *
 * @example
 * ```ts
 * import { certManagerRenewalTime } from 'l5d-pki';
 * certManagerRenewalTime({ notBefore, notAfter, renewBefore: '25h' });
 * ```
 * @module
 */
export {
  CERT_MANAGER_DEFAULT_DURATION_MS,
  CERT_MANAGER_MIN_DURATION_MS,
  CERT_MANAGER_MIN_RENEW_BEFORE_MS,
  type CertManagerRenewalInput,
  type CertManagerSpecError,
  type CertManagerSpecInput,
  type CertManagerSpecRule,
  type CertManagerSpecValidation,
  certManagerRenewalTime,
  validateCertManagerSpec,
} from './cert-manager';
export { type DurationInput, formatDuration, parseDuration } from './duration';
export {
  type CertTimes,
  formatPlan,
  type HierarchyPlan,
  type IssuerRenewal,
  type PlanCertificate,
  type PlanEvent,
  type PlanEventKind,
  type PlanInput,
  type PlanWarning,
  type PlanWarningCode,
  planHierarchy,
} from './plan';
export {
  PROXY_REFRESH_MAX_MS,
  PROXY_REFRESH_MIN_MS,
  type ProxyRefreshOptions,
  proxyRefreshDelay,
} from './proxy';
export {
  type RenewableCertificate,
  type RenewalBackoff,
  type RenewalEvent,
  type RenewalFailure,
  type RenewalLoop,
  type RenewalOptions,
  startRenewal,
} from './renewal';
export {
  defaultRenewalThreshold,
  EXPIRY_WARNING_WINDOW_MS,
  type NeedsRenewalOptions,
  needsRenewal,
  parseRenewalThreshold,
  type RenewalThreshold,
  type RenewalVerdict,
} from './window';
