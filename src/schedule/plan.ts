import { DEFAULT_CLOCK_SKEW_MS } from '../anchor/anchor';
import { type DurationInput, formatDuration } from '../duration';
import { PkiError } from '../errors';
import { DEFAULT_LEAF_LIFETIME_MS } from '../leaf/leaf';
import {
  arrayOf,
  optionalString,
  requireArray,
  requireDate,
  requireFields,
  requireNumber,
  requireObject,
  requireOptions,
  requireString,
} from '../validate';
import { type CertificateInput, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';
import { certManagerRenewalTime, validateCertManagerSpec } from './cert-manager';
import { proxyRefreshDelay } from './proxy';
import { durationOption, rfc3339, timeOf } from './time';
import { EXPIRY_WARNING_WINDOW_MS } from './window';

/** `linkerd check` warns about anchors and issuers valid for less than this. */
const EXPIRY_WARNING_MS = EXPIRY_WARNING_WINDOW_MS;
/** Rotate a manually managed issuer at least this long before it expires: before `linkerd check` warns. */
const ISSUER_ROTATION_LEAD_MS = EXPIRY_WARNING_WINDOW_MS;

/** The validity of a certificate, given as dates, with a label for messages. */
export interface CertTimes {
  /** A label for messages, e.g. the subject CN. */
  subject?: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * A certificate as {@link planHierarchy} takes it: in any `CertificateInput` form (a parsed
 * `Certificate`, DER or PEM; labelled by its subject CN, else its serial), an object holding one such as
 * an `Issuer` or a trust anchor (`{ certificate }`), or bare {@link CertTimes}.
 *
 * @example
 * ```ts
 * const anchors: PlanCertificate[] = [anchor.certificate, readFileSync('ca.crt', 'utf8')];
 * ```
 */
export type PlanCertificate = CertTimes | CertificateInput | { readonly certificate: CertificateInput };

/** What happens at a {@link PlanEvent}. */
export type PlanEventKind =
  | 'leaf-refresh'
  | 'leaf-expiry'
  | 'issuer-renewal'
  | 'issuer-rotation-due'
  | 'issuer-expiry'
  | 'anchor-expiry';

/** One dated step of a {@link HierarchyPlan}. */
export interface PlanEvent {
  at: Date;
  kind: PlanEventKind;
  subject?: string;
  note: string;
}

/** Stable codes of {@link PlanWarning}s. */
export type PlanWarningCode =
  | 'ANCHOR_EXPIRED'
  | 'ANCHOR_NOT_YET_VALID'
  | 'ANCHOR_EXPIRES_SOON'
  | 'ANCHOR_EXPIRES_BEFORE_ISSUER'
  | 'ISSUER_EXPIRED'
  | 'ISSUER_NOT_YET_VALID'
  | 'ISSUER_EXPIRES_SOON'
  | 'ISSUER_ROTATION_OVERDUE'
  | 'ISSUER_RENEWAL_OVERDUE'
  | 'ISSUER_OUTLIVES_ANCHORS'
  | 'ISSUER_RENEWAL_SPEC_INVALID'
  | 'RENEW_BEFORE_NOT_BELOW_DURATION'
  | 'LEAF_CUT_SHORT';

/** A problem in the hierarchy's timing; match on `code`, not on `message`. */
export interface PlanWarning {
  code: PlanWarningCode;
  message: string;
}

/** How cert-manager renews the issuer; durations in milliseconds or Go duration text. */
export interface IssuerRenewal {
  renewBefore?: DurationInput;
  renewBeforePercentage?: number;
  /** `spec.duration`; defaults to the issuer's actual lifetime for the checks. */
  duration?: DurationInput;
}

/** Input of {@link planHierarchy}. */
export interface PlanInput {
  /** The trust anchors in the bundle (at least one). */
  anchors: readonly PlanCertificate[];
  issuer: PlanCertificate;
  /**
   * Leaf lifetime before the skew allowance, milliseconds or Go duration text; default
   * {@link DEFAULT_LEAF_LIFETIME_MS}.
   */
  leafLifetime?: DurationInput;
  /** Set when cert-manager renews the issuer; otherwise rotation is manual. */
  issuerRenewal?: IssuerRenewal;
  now: Date;
}

/** The timeline and the warnings of a trust hierarchy, as seen at `now`. */
export interface HierarchyPlan {
  /** Sorted by time; ties keep a fixed order. Past events are kept (their warnings say why). */
  events: PlanEvent[];
  warnings: PlanWarning[];
  /** How long proxies wait between refreshes of a leaf issued at `now`, in whole milliseconds. */
  leafRefreshEvery: number;
  /** The notAfter of a leaf issued at `now`: `now + lifetime + 10 s`, cut to the issuer's notAfter. */
  leafValidUntil: Date;
}

interface Span {
  label: string;
  subject?: string;
  notBefore: number;
  notAfter: number;
}

/** The times and label of a {@link PlanCertificate}; a certificate is read from a private parse. */
function certTimes(input: PlanCertificate, field: string): CertTimes {
  if (typeof input === 'string' || input instanceof Uint8Array) return timesOf(toCertificate(input));
  const obj = requireObject(input, field) as { certificate?: unknown; der?: unknown };
  if (obj.certificate !== undefined) return timesOf(toCertificate(obj.certificate as CertificateInput));
  if (obj.der !== undefined) return timesOf(toCertificate(obj as Certificate));
  const times = obj as CertTimes;
  optionalString(times.subject, `${field}.subject`);
  return times;
}

function timesOf(cert: Certificate): CertTimes {
  return {
    subject: cert.subject.commonName ?? cert.serialHex,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

function span(input: PlanCertificate, field: string, fallbackLabel: string): Span {
  const cert = certTimes(input, field);
  const notBefore = timeOf(cert.notBefore, `${field}.notBefore`);
  const notAfter = timeOf(cert.notAfter, `${field}.notAfter`);
  if (notAfter <= notBefore) {
    throw new PkiError('ERR_SCHEDULE_INVALID', `${field}: notAfter must be later than notBefore`);
  }
  const label = cert.subject ?? fallbackLabel;
  return cert.subject === undefined
    ? { label, notBefore, notAfter }
    : { label, subject: cert.subject, notBefore, notAfter };
}

class PlanBuilder {
  readonly events: PlanEvent[] = [];
  readonly warnings: PlanWarning[] = [];

  constructor(readonly now: number) {}

  event(at: number, kind: PlanEventKind, cert: Span | undefined, note: string): void {
    const base = { at: new Date(at), kind, note };
    this.events.push(cert?.subject === undefined ? base : { ...base, subject: cert.subject });
  }

  warn(code: PlanWarningCode, message: string): void {
    this.warnings.push({ code, message });
  }

  /** Expired / not yet valid / expiring within 60 days; returns whether `cert` is expired. */
  validity(cert: Span, role: 'ANCHOR' | 'ISSUER', warnSoon: boolean): boolean {
    const left = cert.notAfter - this.now;
    if (left <= 0) {
      this.warn(`${role}_EXPIRED`, `${cert.label} expired on ${rfc3339(cert.notAfter)}`);
      return true;
    }
    if (this.now < cert.notBefore) {
      this.warn(`${role}_NOT_YET_VALID`, `${cert.label} is not valid before ${rfc3339(cert.notBefore)}`);
    }
    if (warnSoon && left < EXPIRY_WARNING_MS) {
      this.warn(
        `${role}_EXPIRES_SOON`,
        `${cert.label} expires in ${formatDuration(left)}, on ${rfc3339(cert.notAfter)}`,
      );
    }
    return false;
  }
}

function planAnchors(b: PlanBuilder, anchors: readonly Span[], issuer: Span): void {
  const latest = anchors.reduce((max, a) => Math.max(max, a.notAfter), Number.NEGATIVE_INFINITY);
  const outlivesAll = issuer.notAfter > latest;
  if (outlivesAll) {
    b.warn(
      'ISSUER_OUTLIVES_ANCHORS',
      `${issuer.label} is valid until ${rfc3339(issuer.notAfter)}, after every trust anchor (last ${rfc3339(latest)}); its chain stops verifying before it expires`,
    );
  }
  for (const anchor of anchors) {
    b.event(
      anchor.notAfter,
      'anchor-expiry',
      anchor,
      `${anchor.label} expires; leaves chaining to it stop verifying`,
    );
    const expired = b.validity(anchor, 'ANCHOR', true);
    if (!expired && !outlivesAll && anchor.notAfter < issuer.notAfter) {
      b.warn(
        'ANCHOR_EXPIRES_BEFORE_ISSUER',
        `${anchor.label} expires on ${rfc3339(anchor.notAfter)}, before ${issuer.label} (${rfc3339(issuer.notAfter)})`,
      );
    }
  }
}

function planRenewal(b: PlanBuilder, issuer: Span, renewal: IssuerRenewal, expired: boolean): void {
  const lifetime = issuer.notAfter - issuer.notBefore;
  const spec = validateCertManagerSpec({ ...renewal, duration: renewal.duration ?? lifetime });
  for (const e of spec.errors) {
    const code = e.rule === 'RENEW_BEFORE_NOT_BELOW_DURATION' ? e.rule : 'ISSUER_RENEWAL_SPEC_INVALID';
    b.warn(code, `${e.field}: ${e.message}`);
  }
  const renewBefore =
    renewal.renewBefore === undefined ? undefined : durationOption(renewal.renewBefore, 'renewBefore');
  const flagged = b.warnings.some((w) => w.code === 'RENEW_BEFORE_NOT_BELOW_DURATION');
  if (renewBefore !== undefined && renewBefore >= lifetime && !flagged) {
    b.warn(
      'RENEW_BEFORE_NOT_BELOW_DURATION',
      `renewBefore ${formatDuration(renewBefore)} is not shorter than ${issuer.label}'s lifetime ${formatDuration(lifetime)}; cert-manager ignores it`,
    );
  }
  const { duration: _specDuration, ...renewFields } = renewal;
  const at = certManagerRenewalTime({
    ...renewFields,
    notBefore: new Date(issuer.notBefore),
    notAfter: new Date(issuer.notAfter),
  });
  b.event(at.getTime(), 'issuer-renewal', issuer, `cert-manager re-issues ${issuer.label}`);
  if (!expired && at.getTime() <= b.now) {
    b.warn(
      'ISSUER_RENEWAL_OVERDUE',
      `cert-manager should have renewed ${issuer.label} on ${rfc3339(at.getTime())}`,
    );
  }
}

function planManualRotation(b: PlanBuilder, issuer: Span, expired: boolean): void {
  const due = issuer.notAfter - ISSUER_ROTATION_LEAD_MS;
  b.event(
    due,
    'issuer-rotation-due',
    issuer,
    `rotate ${issuer.label} (60 days before it expires, before linkerd check warns)`,
  );
  if (!expired && due <= b.now) {
    b.warn('ISSUER_ROTATION_OVERDUE', `${issuer.label} should have been rotated by ${rfc3339(due)}`);
  }
}

/**
 * Lays out when each part of a Linkerd trust hierarchy needs attention, and what is wrong with it now:
 * proxy refreshes (linkerd2-proxy's 70% rule), the issuer's renewal (cert-manager's rule) or manual
 * rotation (60 days before expiry, when `linkerd check` starts warning), and every expiry.
 *
 * Warnings, each with a stable code: expired or not-yet-valid anchors and issuer; anchors or a manually
 * rotated issuer valid for less than 60 days (as `linkerd check` warns; an issuer renewed by cert-manager
 * is short-lived by design, so it gets `ISSUER_RENEWAL_OVERDUE` instead when its renewal time has passed);
 * a manual rotation past due; an anchor expiring before the issuer; an issuer outliving every anchor;
 * leaves cut short because the issuer expires within one leaf lifetime; cert-manager spec problems,
 * including a `renewBefore` not shorter than the duration or the issuer's actual lifetime.
 *
 * Leaves follow Linkerd's identity service: notAfter = now + lifetime + 10 s skew allowance, cut to the
 * issuer's notAfter. Only validity periods are considered; signatures and chains are not checked here.
 *
 * @throws {@link PkiError} `ERR_SCHEDULE_INVALID` for no anchors, a non-positive leaf lifetime, or a
 * certificate whose notAfter is not after its notBefore; `ERR_INVALID_ARGUMENT` for invalid dates or numbers.
 * @example
 * ```ts
 * const plan = planHierarchy({
 *   anchors: [{ subject: 'root.linkerd.cluster.local', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') }],
 *   issuer: { subject: 'identity.linkerd.cluster.local', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:00:00Z') },
 *   now: new Date('2025-06-01T00:00:00Z'),
 * });
 * plan.warnings; // []
 * plan.leafRefreshEvery; // 60487000 (70% of 24h10s)
 * ```
 */
export function planHierarchy(input: PlanInput): HierarchyPlan {
  requireOptions(input, 'planHierarchy');
  requireArray(input.anchors, '`anchors`');
  if (input.issuerRenewal !== undefined) requireObject(input.issuerRenewal, '`issuerRenewal`');
  const now = timeOf(input.now, 'now');
  const leafLifetime = durationOption(input.leafLifetime ?? DEFAULT_LEAF_LIFETIME_MS, 'leafLifetime');
  if (leafLifetime <= 0) throw new PkiError('ERR_SCHEDULE_INVALID', 'leafLifetime must be positive');
  if (input.anchors.length === 0)
    throw new PkiError('ERR_SCHEDULE_INVALID', 'at least one trust anchor is needed');
  const anchors = input.anchors.map((a, i) => span(a, `anchors[${i}]`, `trust anchor #${i + 1}`));
  const issuer = span(input.issuer, 'issuer', 'issuer');
  const b = new PlanBuilder(now);

  const issuerExpired = b.validity(issuer, 'ISSUER', input.issuerRenewal === undefined);
  b.event(
    issuer.notAfter,
    'issuer-expiry',
    issuer,
    `${issuer.label} expires; no leaves can be issued after this`,
  );
  if (input.issuerRenewal !== undefined) planRenewal(b, issuer, input.issuerRenewal, issuerExpired);
  else planManualRotation(b, issuer, issuerExpired);
  planAnchors(b, anchors, issuer);

  const fullLeafEnd = now + leafLifetime + DEFAULT_CLOCK_SKEW_MS;
  const leafEnd = Math.min(fullLeafEnd, issuer.notAfter);
  const leafRefreshEvery = proxyRefreshDelay({ notAfter: new Date(leafEnd), now: new Date(now) });
  if (!issuerExpired && now >= issuer.notBefore) {
    b.event(now + leafRefreshEvery, 'leaf-refresh', undefined, `proxies refresh a leaf issued now`);
    b.event(leafEnd, 'leaf-expiry', undefined, `a leaf issued now expires`);
  }
  if (!issuerExpired && leafEnd < fullLeafEnd) {
    b.warn(
      'LEAF_CUT_SHORT',
      `${issuer.label} expires within one leaf lifetime: leaves issued now are valid for ${formatDuration(leafEnd - now)}, not ${formatDuration(fullLeafEnd - now)}`,
    );
  }

  b.events.sort((x, y) => x.at.getTime() - y.at.getTime());
  return { events: b.events, warnings: b.warnings, leafRefreshEvery, leafValidUntil: new Date(leafEnd) };
}

/**
 * Renders a {@link HierarchyPlan} as text: a summary line, the events, then the warnings, with RFC 3339
 * UTC times and Go-style durations.
 *
 * @example
 * ```ts
 * console.log(formatPlan(planHierarchy({ anchors, issuer, now })));
 * // leaves: valid until 2025-06-02T00:00:10Z, refreshed every 16h48m7s
 * // events:
 * //   2025-06-01T16:48:07Z  leaf-refresh         proxies refresh a leaf issued now
 * //   ...
 * // warnings: none
 * ```
 */
export function formatPlan(plan: HierarchyPlan): string {
  requireFields(plan, 'the plan', {
    leafValidUntil: requireDate,
    leafRefreshEvery: requireNumber,
    events: arrayOf((e, what) =>
      requireFields(e, what, { at: requireDate, kind: requireString, note: requireString }),
    ),
    warnings: arrayOf((w, what) => requireFields(w, what, { code: requireString, message: requireString })),
  });
  const lines = [
    `leaves: valid until ${rfc3339(plan.leafValidUntil.getTime())}, refreshed every ${formatDuration(plan.leafRefreshEvery)}`,
    'events:',
    ...plan.events.map((e) => `  ${rfc3339(e.at.getTime())}  ${e.kind.padEnd(19)}  ${e.note}`),
  ];
  if (plan.warnings.length === 0) lines.push('warnings: none');
  else lines.push('warnings:', ...plan.warnings.map((w) => `  ${w.code}: ${w.message}`));
  return lines.join('\n');
}
