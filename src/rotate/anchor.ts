import { parseBundle, writeBundle } from '../anchor/bundle';
import { sameBytes } from '../der';
import { type DurationInput, durationMs, formatDuration } from '../duration';
import { PkiError } from '../errors';
import { DEFAULT_LEAF_LIFETIME_MS } from '../leaf/leaf';
import { rfc3339, timeOf } from '../schedule/time';
import {
  arrayOf,
  optionalArray,
  optionalString,
  requireCertificate,
  requireDate,
  requireFields,
  requireOptions,
  requireString,
} from '../validate';
import { createTrustStore, type TrustBundleInput, type VerifyFailureCode, verifyChain } from '../verify';
import { type CertificateInput, certificateList, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';

/**
 * A certificate with what a verifier needs above it: PEM text (the certificate first, then its chain),
 * one certificate in any {@link CertificateInput} form, or an object such as an `IssuedLeaf` or an
 * `Issuer` (`{ certificate, chain? }`, each in any form).
 *
 * @example
 * ```ts
 * const leafChain: CertificateChain = leaf; // an IssuedLeaf: { certificate, chain }
 * const fromSecret: CertificateChain = tlsCrt; // PEM: leaf, then the issuer
 * ```
 */
export type CertificateChain =
  | CertificateInput
  | { readonly certificate: CertificateInput; readonly chain?: readonly CertificateInput[] };

/**
 * What a step's `check` verifies: the workload leaves and issuers in service, at a given time.
 *
 * @example
 * ```ts
 * const material: RotationMaterial = { leaves: [leaf], issuers: [issuer], at: new Date() };
 * ```
 */
export interface RotationMaterial {
  /** Workload leaves (with their chains). */
  readonly leaves?: readonly CertificateChain[];
  /** Issuers. In the `switch-issuer` step the planned `newIssuer` is checked when this is absent. */
  readonly issuers?: readonly CertificateChain[];
  /** When to verify, e.g. the moment the step is about to be taken. */
  readonly at: Date;
}

/**
 * How one leaf or issuer fared in a step's check.
 *
 * @example
 * ```ts
 * for (const item of result.items) if (!item.ok) console.log(item.kind, item.index, item.reason);
 * ```
 */
export interface RotationItemResult {
  readonly kind: 'leaf' | 'issuer';
  /** Its position in `leaves` or `issuers`. */
  readonly index: number;
  /** Its subject CN, when it has one. */
  readonly subject: string | undefined;
  readonly ok: boolean;
  /** Why it failed: the verifier's code. */
  readonly code?: VerifyFailureCode;
  /** Why it failed, naming the bundle it was verified under. */
  readonly reason?: string;
  /** When it stops verifying under the step's bundle(s), when it verified. */
  readonly validUntil?: Date;
}

/**
 * The outcome of a step's `check`: `ok` when every item verified.
 *
 * @example
 * ```ts
 * if (!(await step.check(material)).ok) throw new Error(`not yet: ${step.title}`);
 * ```
 */
export interface RotationCheckResult {
  readonly ok: boolean;
  readonly at: Date;
  readonly items: readonly RotationItemResult[];
}

/**
 * One step of an anchor rotation, as data plus a safety check.
 *
 * @example
 * ```ts
 * for (const step of plan.steps) console.log(step.id, step.notBefore.toISOString(), step.condition);
 * ```
 */
export interface RotationStep {
  readonly id: 'add-new-anchor' | 'switch-issuer' | 'remove-old-anchor';
  readonly title: string;
  /** The trust bundle to install at this step, PEM text; absent when the step leaves the bundle as it is. */
  readonly bundle?: string;
  /** The earliest time to take the step. */
  readonly notBefore: Date;
  /** What must be true before taking it, beyond the time. */
  readonly condition: string;
  /**
   * Proves the step is safe for `material`: every leaf and issuer verifies under the trust bundle in force
   * after the step (and, in `switch-issuer`, every issuer under the new anchor alone).
   */
  check(material: RotationMaterial): Promise<RotationCheckResult>;
}

/**
 * An anchor rotation: three steps, in order.
 *
 * @example
 * ```ts
 * const [add, switchIssuer, remove] = plan.steps;
 * ```
 */
export interface AnchorRotationPlan {
  /** The anchors being retired (those of the current bundle other than the new one). */
  readonly oldAnchors: readonly Certificate[];
  /** The anchor being introduced. */
  readonly newAnchor: Certificate;
  readonly steps: readonly [RotationStep, RotationStep, RotationStep];
}

/**
 * Inputs of {@link planAnchorRotation}.
 *
 * @example
 * ```ts
 * const input: AnchorRotationInput = { currentBundle, newAnchor, margin: '1h', now: new Date() };
 * ```
 */
export interface AnchorRotationInput {
  /** The trust bundle in force now, in any {@link TrustBundleInput} form. */
  readonly currentBundle: TrustBundleInput;
  /** The new anchor: a CA certificate in any {@link CertificateInput} form, or a `CertificateAuthority`. */
  readonly newAnchor: CertificateInput | { readonly certificate: CertificateInput };
  /**
   * The issuer signed by the new anchor, when already made (it must name the new anchor as its issuer):
   * an `Issuer`, PEM text (the issuer, then its chain) or `{ certificate, chain? }`.
   */
  readonly newIssuer?: CertificateChain;
  /** The workload leaf lifetime: milliseconds or Go duration text. Default 24 h. */
  readonly leafLifetime?: DurationInput;
  /**
   * Extra wait after the leaf lifetime before dropping the old anchor (cover clock skew and stragglers):
   * milliseconds or Go duration text.
   */
  readonly margin: DurationInput;
  /** When the plan starts (the earliest time of step 1). */
  readonly now: Date;
}

/** A bundle to verify under, with how messages name it. */
type NamedBundle = readonly ['combined bundle' | 'new anchor alone', readonly Certificate[]];

/** The certificate and the chain of a {@link CertificateChain}, parsed from private copies. */
function readChain(input: CertificateChain): { leaf: Certificate; intermediates: readonly Certificate[] } {
  if (
    typeof input === 'object' &&
    input !== null &&
    !(input instanceof Uint8Array) &&
    'certificate' in input
  ) {
    const [leaf, ...above] = certificateList(input.certificate, 'a chain');
    const more = optionalArray(input.chain, 'a chain') ?? [];
    return {
      leaf: leaf!,
      intermediates: [...above, ...more.map((c) => toCertificate(c as CertificateInput))],
    };
  }
  const [leaf, ...intermediates] = certificateList(input as CertificateInput, 'a chain');
  return { leaf: leaf!, intermediates };
}

/** A leaf or an issuer with the certificates above it, parsed. */
interface ReadChain {
  readonly leaf: Certificate;
  readonly intermediates: readonly Certificate[];
}

async function verifyItem(
  kind: RotationItemResult['kind'],
  index: number,
  { leaf, intermediates }: ReadChain,
  bundles: readonly NamedBundle[],
  at: Date,
): Promise<RotationItemResult> {
  const base = { kind, index, subject: leaf.subject.commonName };
  let validUntil = Number.POSITIVE_INFINITY;
  for (const [role, bundle] of bundles) {
    const result = await verifyChain({ leaf, intermediates, bundle, at });
    if (!result.ok)
      return { ...base, ok: false, code: result.code, reason: `under the ${role}: ${result.reason}` };
    validUntil = Math.min(validUntil, result.validUntil.getTime());
  }
  return { ...base, ok: true, validUntil: new Date(validUntil) };
}

function stepCheck(
  leafBundles: readonly NamedBundle[],
  issuerBundles: readonly NamedBundle[],
  defaultIssuers: readonly ReadChain[],
): RotationStep['check'] {
  return async (material) => {
    requireFields(material, 'the rotation material', { leaves: optionalArray, issuers: optionalArray });
    const at = new Date(timeOf(material.at, 'at'));
    // Every chain is read (and refused when unreadable) before anything is verified.
    const leaves = (material.leaves ?? []).map(readChain);
    const issuers = material.issuers === undefined ? defaultIssuers : material.issuers.map(readChain);
    const items = await Promise.all([
      ...leaves.map((c, i) => verifyItem('leaf', i, c, leafBundles, at)),
      ...issuers.map((c, i) => verifyItem('issuer', i, c, issuerBundles, at)),
    ]);
    return { ok: items.every((i) => i.ok), at, items };
  };
}

function toAnchor(input: AnchorRotationInput['newAnchor']): Certificate {
  const given =
    typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'certificate' in input
      ? input.certificate
      : input;
  const cert = toCertificate(given as CertificateInput);
  if (!cert.basicConstraints?.ca)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the new anchor is not a CA certificate');
  return cert;
}

/**
 * Plans a trust anchor rotation without downtime, as Linkerd's guide does it:
 * 1. `add-new-anchor` (now): install the bundle old + new, then restart every meshed workload so each
 *    proxy trusts both;
 * 2. `switch-issuer` (once every proxy has the combined bundle): install an issuer signed by the new
 *    anchor; workloads move to it as their leaves refresh;
 * 3. `remove-old-anchor` (at least one leaf lifetime + `margin` after step 2): install the new anchor
 *    alone, once every leaf has been refreshed, then restart workloads again.
 * Each step's `check` verifies given leaves and issuers under the bundle that step puts in force. Throws
 * bundle parsing errors, `ERR_INVALID_ARGUMENT` for a new anchor that is not a CA or bad durations, and
 * `ERR_ISSUER_CHAIN` for a `newIssuer` that does not name the new anchor as its issuer.
 *
 * @example
 * ```ts
 * const plan = planAnchorRotation({ currentBundle, newAnchor, margin: '1h', now: new Date() });
 * const [add] = plan.steps;
 * const safe = await add.check({ leaves: runningLeaves, issuers: [currentIssuer], at: new Date() });
 * if (safe.ok) writeFileSync('ca-bundle.crt', add.bundle!);
 * ```
 */
export function planAnchorRotation(input: AnchorRotationInput): AnchorRotationPlan {
  requireOptions(input, 'planAnchorRotation');
  if (input.newAnchor === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', '`newAnchor` is required');
  const newIssuer = input.newIssuer === undefined ? undefined : readChain(input.newIssuer);
  const now = timeOf(input.now, 'now');
  const leafLifetime = durationMs(
    input.leafLifetime ?? DEFAULT_LEAF_LIFETIME_MS,
    '`leafLifetime`',
    'ERR_LIFETIME_INVALID',
    1,
  );
  if (input.margin === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', '`margin` is required');
  const margin = durationMs(input.margin, '`margin`', 'ERR_DURATION_INVALID', 0);
  const newAnchor = toAnchor(input.newAnchor);
  const oldAnchors = createTrustStore(input.currentBundle).anchors.filter(
    (a) => !sameBytes(a.der, newAnchor.der),
  );
  const combined = [...oldAnchors, newAnchor];
  const newOnly = [newAnchor];
  if (newIssuer && !sameBytes(newIssuer.leaf.issuer.der, newAnchor.subject.der)) {
    throw new PkiError('ERR_ISSUER_CHAIN', 'newIssuer does not name the new anchor as its issuer');
  }
  const switchAt = Math.max(now, newIssuer?.leaf.notBefore.getTime() ?? now);
  const underCombined: NamedBundle = ['combined bundle', combined];
  const underNewAlone: NamedBundle = ['new anchor alone', newOnly];
  const wait = formatDuration(leafLifetime + margin);
  const steps: AnchorRotationPlan['steps'] = [
    {
      id: 'add-new-anchor',
      title: 'Add the new anchor to the trust bundle',
      bundle: writeBundle(combined),
      notBefore: new Date(now),
      condition:
        'Install the combined bundle, then restart every meshed workload so each proxy loads it; ' +
        '`linkerd check --proxy` stops warning "data plane proxies certificate match CA" when all have.',
      check: stepCheck([underCombined], [underCombined], []),
    },
    {
      id: 'switch-issuer',
      title: 'Re-sign the issuer under the new anchor',
      notBefore: new Date(switchAt),
      condition:
        'Every proxy runs with the combined bundle (all workloads restarted since step 1). Then install the ' +
        'new issuer in the issuer Secret; leaves move to it as they refresh.',
      check: stepCheck([underCombined], [underCombined, underNewAlone], newIssuer ? [newIssuer] : []),
    },
    {
      id: 'remove-old-anchor',
      title: 'Drop the old anchor from the trust bundle',
      bundle: writeBundle(newOnly),
      notBefore: new Date(switchAt + leafLifetime + margin),
      condition:
        `At least ${wait} (one leaf lifetime and the margin) after the issuer switch, so every leaf has been ` +
        'refreshed by the new issuer. Then install the new bundle and restart every meshed workload again.',
      check: stepCheck([underNewAlone], [underNewAlone], []),
    },
  ];
  return { oldAnchors, newAnchor, steps };
}

function describe(cert: Certificate): string {
  return `${cert.subject.commonName ?? '(no CN)'} (serial ${cert.serialHex}, until ${rfc3339(cert.notAfter.getTime())})`;
}

/**
 * Renders an anchor rotation plan as text: the anchors, then each step with its earliest time, what to do
 * and the condition to meet first.
 *
 * @example
 * ```ts
 * console.log(formatRotationPlan(planAnchorRotation(input)));
 * // anchor rotation
 * //   retiring: root.linkerd.cluster.local (serial ..., until 2035-...)
 * //   ...
 * ```
 */
export function formatRotationPlan(plan: AnchorRotationPlan): string {
  requireFields(plan, 'the plan', {
    oldAnchors: arrayOf(requireCertificate),
    newAnchor: requireCertificate,
    steps: arrayOf((step, what) =>
      requireFields(step, what, {
        id: requireString,
        title: requireString,
        notBefore: requireDate,
        condition: requireString,
        bundle: optionalString,
      }),
    ),
  });
  const lines = [
    'anchor rotation',
    ...plan.oldAnchors.map((a) => `  retiring:    ${describe(a)}`),
    `  introducing: ${describe(plan.newAnchor)}`,
  ];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title} [${step.id}]`, `   not before: ${rfc3339(step.notBefore.getTime())}`);
    if (step.bundle !== undefined) {
      const names = parseBundle(step.bundle).map((c) => c.subject.commonName ?? c.serialHex);
      lines.push(`   bundle:     ${names.join(', ')}`);
    }
    lines.push(`   condition:  ${step.condition}`);
  });
  return lines.join('\n');
}
