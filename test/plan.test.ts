import { describe, expect, it } from 'vitest';
import { isPkiError } from '../src/errors';
import {
  type CertTimes,
  formatPlan,
  type PlanInput,
  type PlanWarningCode,
  planHierarchy,
} from '../src/schedule';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.parse('2025-06-01T00:00:00Z');

/** A certificate valid from `fromNow` to `untilNow` relative to NOW (ms). */
function cert(subject: string, fromNow: number, untilNow: number): CertTimes {
  return { subject, notBefore: new Date(NOW + fromNow), notAfter: new Date(NOW + untilNow) };
}

const anchor10y = cert('root.linkerd.cluster.local', -150 * DAY, 3500 * DAY);
const issuer1y = cert('identity.linkerd.cluster.local', -150 * DAY, 215 * DAY);
const manual: PlanInput = { anchors: [anchor10y], issuer: issuer1y, now: new Date(NOW) };
/** Linkerd's documented cert-manager setup, 10 hours into the issuer's 48 hours. */
const automated: PlanInput = {
  anchors: [anchor10y],
  issuer: cert('identity.linkerd.cluster.local', -10 * H, 38 * H),
  issuerRenewal: { duration: 48 * H, renewBefore: 25 * H },
  now: new Date(NOW),
};

function codes(input: PlanInput): PlanWarningCode[] {
  return planHierarchy(input).warnings.map((w) => w.code);
}

describe('planHierarchy: healthy hierarchies', () => {
  it('has no warnings with a manually rotated issuer, and a sorted timeline', () => {
    const plan = planHierarchy(manual);
    expect(plan.warnings).toEqual([]);
    expect(plan.leafRefreshEvery).toBe(60_487_000); // 70% of 24h10s
    expect(plan.leafValidUntil.toISOString()).toBe('2025-06-02T00:00:10.000Z');
    expect(plan.events.map((e) => [e.at.toISOString(), e.kind])).toEqual([
      ['2025-06-01T16:48:07.000Z', 'leaf-refresh'],
      ['2025-06-02T00:00:10.000Z', 'leaf-expiry'],
      ['2025-11-03T00:00:00.000Z', 'issuer-rotation-due'],
      ['2026-01-02T00:00:00.000Z', 'issuer-expiry'],
      ['2034-12-31T00:00:00.000Z', 'anchor-expiry'],
    ]);
    expect(plan.events.find((e) => e.kind === 'anchor-expiry')?.subject).toBe('root.linkerd.cluster.local');
  });

  it('has no warnings with cert-manager renewing a 48h issuer', () => {
    const plan = planHierarchy(automated);
    expect(plan.warnings).toEqual([]);
    const renewal = plan.events.find((e) => e.kind === 'issuer-renewal');
    expect(renewal?.at.getTime()).toBe(NOW + 13 * H); // notBefore + 23h
    expect(plan.events.some((e) => e.kind === 'issuer-rotation-due')).toBe(false);
  });
});

describe('planHierarchy: each warning', () => {
  type Case = [PlanWarningCode, PlanInput, PlanWarningCode[]];
  const older = cert('old-root', -3000 * DAY, 100 * DAY);

  it.each<Case>([
    [
      'ISSUER_EXPIRES_SOON',
      { ...manual, issuer: cert('issuer', -300 * DAY, 45 * DAY) },
      // Inside the 60-day window linkerd check warns in, the rotation is overdue too.
      ['ISSUER_EXPIRES_SOON', 'ISSUER_ROTATION_OVERDUE'],
    ],
    [
      'ISSUER_ROTATION_OVERDUE',
      { ...manual, issuer: cert('issuer', -300 * DAY, 20 * DAY) },
      ['ISSUER_EXPIRES_SOON', 'ISSUER_ROTATION_OVERDUE'],
    ],
    ['ISSUER_EXPIRED', { ...manual, issuer: cert('issuer', -300 * DAY, -1 * DAY) }, ['ISSUER_EXPIRED']],
    [
      'ISSUER_NOT_YET_VALID',
      { ...manual, issuer: cert('issuer', 1 * H, 300 * DAY) },
      ['ISSUER_NOT_YET_VALID'],
    ],
    [
      'ANCHOR_EXPIRED',
      { ...manual, anchors: [cert('dead-root', -3000 * DAY, -1 * DAY), anchor10y] },
      ['ANCHOR_EXPIRED'],
    ],
    [
      'ANCHOR_NOT_YET_VALID',
      { ...manual, anchors: [cert('root', 1 * H, 3000 * DAY)] },
      ['ANCHOR_NOT_YET_VALID'],
    ],
    [
      'ANCHOR_EXPIRES_SOON',
      { ...manual, anchors: [cert('old-root', -3000 * DAY, 50 * DAY), anchor10y] },
      ['ANCHOR_EXPIRES_SOON', 'ANCHOR_EXPIRES_BEFORE_ISSUER'],
    ],
    [
      'ANCHOR_EXPIRES_BEFORE_ISSUER',
      { ...manual, anchors: [older, anchor10y] },
      ['ANCHOR_EXPIRES_BEFORE_ISSUER'],
    ],
    ['ISSUER_OUTLIVES_ANCHORS', { ...manual, anchors: [older] }, ['ISSUER_OUTLIVES_ANCHORS']],
    ['LEAF_CUT_SHORT', { ...manual, leafLifetime: 300 * DAY }, ['LEAF_CUT_SHORT']],
    [
      'RENEW_BEFORE_NOT_BELOW_DURATION',
      { ...automated, issuerRenewal: { duration: 48 * H, renewBefore: 49 * H } },
      ['RENEW_BEFORE_NOT_BELOW_DURATION'],
    ],
    [
      'RENEW_BEFORE_NOT_BELOW_DURATION',
      // The spec is fine, but the issuer actually got 25h (cut by its signer): cert-manager ignores renewBefore.
      { ...automated, issuer: cert('issuer', -0.5 * H, 24.5 * H) },
      ['RENEW_BEFORE_NOT_BELOW_DURATION'],
    ],
    [
      'ISSUER_RENEWAL_SPEC_INVALID',
      { ...automated, issuerRenewal: { duration: 48 * H, renewBefore: 60_000 } },
      ['ISSUER_RENEWAL_SPEC_INVALID'],
    ],
    [
      'ISSUER_RENEWAL_OVERDUE',
      { ...automated, issuer: cert('issuer', -30 * H, 18 * H) },
      ['ISSUER_RENEWAL_OVERDUE', 'LEAF_CUT_SHORT'],
    ],
  ])('%s', (_code, input, expected) => {
    expect(codes(input)).toEqual(expected);
  });

  it('cuts leaves to the issuer and says how much', () => {
    const plan = planHierarchy({ ...automated, issuer: cert('issuer', -30 * H, 12 * H) });
    expect(plan.leafValidUntil.getTime()).toBe(NOW + 12 * H);
    expect(plan.leafRefreshEvery).toBeCloseTo(0.7 * 12 * H, 6);
    expect(plan.warnings.find((w) => w.code === 'LEAF_CUT_SHORT')?.message).toContain(
      'valid for 12h0m0s, not 24h0m10s',
    );
  });

  it('keeps past events, and has proxies retry at the minimum once the issuer is gone', () => {
    const plan = planHierarchy({ ...manual, issuer: cert('issuer', -300 * DAY, -1 * DAY) });
    expect(plan.leafRefreshEvery).toBe(10_000);
    expect(plan.events.some((e) => e.kind.startsWith('leaf-'))).toBe(false);
    expect(plan.events[0]?.kind).toBe('issuer-rotation-due');
    expect(plan.events[0]?.at.getTime()).toBeLessThan(NOW);
  });

  it('labels certificates without a subject by role', () => {
    const plan = planHierarchy({
      ...manual,
      anchors: [{ notBefore: new Date(NOW - DAY), notAfter: new Date(NOW - 1) }],
    });
    expect(plan.warnings.map((w) => w.message)).toContain(
      'trust anchor #1 expired on 2025-05-31T23:59:59.999Z',
    );
  });
});

describe('planHierarchy: input checks', () => {
  function code(input: PlanInput): string | undefined {
    try {
      planHierarchy(input);
    } catch (e) {
      return isPkiError(e) ? e.code : 'not a PkiError';
    }
    return undefined;
  }

  it.each<[string, PlanInput, string]>([
    ['no anchors', { ...manual, anchors: [] }, 'ERR_SCHEDULE_INVALID'],
    ['inverted issuer', { ...manual, issuer: cert('issuer', 1 * DAY, -1 * DAY) }, 'ERR_SCHEDULE_INVALID'],
    ['zero-length anchor', { ...manual, anchors: [cert('root', 0, 0)] }, 'ERR_SCHEDULE_INVALID'],
    ['zero leaf lifetime', { ...manual, leafLifetime: 0 }, 'ERR_SCHEDULE_INVALID'],
    ['NaN leaf lifetime', { ...manual, leafLifetime: Number.NaN }, 'ERR_INVALID_ARGUMENT'],
    ['invalid now', { ...manual, now: new Date('nope') }, 'ERR_INVALID_ARGUMENT'],
  ])('%s', (_name, input, expected) => {
    expect(code(input)).toBe(expected);
  });
});

describe('formatPlan', () => {
  it('prints a summary, the events and the warnings with RFC 3339 times', () => {
    expect(formatPlan(planHierarchy(manual)).split('\n')).toEqual([
      'leaves: valid until 2025-06-02T00:00:10Z, refreshed every 16h48m7s',
      'events:',
      '  2025-06-01T16:48:07Z  leaf-refresh         proxies refresh a leaf issued now',
      '  2025-06-02T00:00:10Z  leaf-expiry          a leaf issued now expires',
      '  2025-11-03T00:00:00Z  issuer-rotation-due  rotate identity.linkerd.cluster.local (60 days before it expires, before linkerd check warns)',
      '  2026-01-02T00:00:00Z  issuer-expiry        identity.linkerd.cluster.local expires; no leaves can be issued after this',
      '  2034-12-31T00:00:00Z  anchor-expiry        root.linkerd.cluster.local expires; leaves chaining to it stop verifying',
      'warnings: none',
    ]);
  });

  it('lists warnings by code', () => {
    const text = formatPlan(planHierarchy({ ...manual, issuer: cert('issuer', -300 * DAY, 45 * DAY) }));
    expect(text).toContain(
      'warnings:\n  ISSUER_EXPIRES_SOON: issuer expires in 1080h0m0s, on 2025-07-16T00:00:00Z',
    );
  });
});
