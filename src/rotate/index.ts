/**
 * Rotations: a new issuer under the same anchor, and a trust anchor rotation as a plan of dated steps,
 * each with a check that proves it safe for the leaves and issuers in service.
 *
 * @example
 * ```ts
 * import { planAnchorRotation, formatRotationPlan, rotateIssuer } from 'l5d-pki';
 * const next = await rotateIssuer({ anchor, current: issuer });
 * console.log(formatRotationPlan(planAnchorRotation({ currentBundle, newAnchor, margin: '1h', now: new Date() })));
 * ```
 * @module
 */
export {
  type AnchorRotationInput,
  type AnchorRotationPlan,
  type CertificateChain,
  formatRotationPlan,
  planAnchorRotation,
  type RotationCheckResult,
  type RotationItemResult,
  type RotationMaterial,
  type RotationStep,
} from './anchor';
export { type RotateIssuerOptions, rotateIssuer } from './issuer';
