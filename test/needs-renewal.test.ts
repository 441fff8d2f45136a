// needs-renewal: step's exit statuses (0 needs renewal, 1 not, 2 error), the one warning window that
// check, schedule and needs-renewal share, and thresholds as durations or percentages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { createIssuer } from '../src/issuer';
import {
  defaultRenewalThreshold,
  EXPIRY_WARNING_WINDOW_MS,
  needsRenewal,
  parseRenewalThreshold,
  planHierarchy,
} from '../src/schedule';
import { DAY_MS, HOUR_MS } from '../src/schedule/time';
import { type CliRun, cliScript, runCli } from './helpers/cli-run';
import { codeOf, NOW } from './helpers/pki';

const at = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

describe('needsRenewal', () => {
  it('defaults to linkerd check’s 60-day window, and a third of the lifetime for short-lived certificates', async () => {
    expect(EXPIRY_WARNING_WINDOW_MS).toBe(60 * DAY_MS);
    const anchor = await createTrustAnchor({ now: NOW, lifetime: 365 * DAY_MS });
    const notAfter = anchor.certificate.notAfter.getTime();
    const due = new Date(notAfter - 60 * DAY_MS);
    expect(
      needsRenewal({ certificate: anchor.certificate, now: new Date(due.getTime() - 1000) }).needsRenewal,
    ).toBe(false);
    const v = needsRenewal({ certificate: anchor.pem, now: due });
    expect(v).toMatchObject({ needsRenewal: true, expired: false, renewAt: due });
    expect(needsRenewal({ certificate: anchor.der, now: at(400) })).toMatchObject({
      needsRenewal: true,
      expired: true,
    });
    // A 48 h issuer (cert-manager's): due in its last 16 hours, not from the start.
    expect(defaultRenewalThreshold(48 * HOUR_MS)).toEqual({ before: 16 * HOUR_MS });
    const issuer = await createIssuer({ anchor, now: NOW, lifetime: '48h' });
    expect(needsRenewal({ certificate: issuer.certificate, now: at(1) }).needsRenewal).toBe(false);
    expect(
      needsRenewal({ certificate: issuer.certificate, now: new Date(NOW.getTime() + 33 * HOUR_MS) })
        .needsRenewal,
    ).toBe(true);
  });

  it('reads thresholds as step does, plus days', () => {
    expect(parseRenewalThreshold('30d')).toEqual({ before: 30 * DAY_MS });
    expect(parseRenewalThreshold('1d12h')).toEqual({ before: 36 * HOUR_MS });
    expect(parseRenewalThreshold('720h')).toEqual({ before: 720 * HOUR_MS });
    expect(parseRenewalThreshold('25%')).toEqual({ percentLeft: 25 });
    for (const bad of ['', '0%', '101%', '-1h', '0s', '30 days', 'd', '%']) {
      expect(
        codeOf(() => parseRenewalThreshold(bad)),
        bad,
      ).toBe('ERR_DURATION_INVALID');
    }
    const times = { notBefore: NOW, notAfter: at(100) };
    expect(needsRenewal({ certificate: times, threshold: '25%', now: at(74) }).needsRenewal).toBe(false);
    expect(needsRenewal({ certificate: times, threshold: '25%', now: at(75) }).needsRenewal).toBe(true);
    expect(
      needsRenewal({ certificate: times, threshold: { before: 10 * DAY_MS }, now: at(89) }).needsRenewal,
    ).toBe(false);
  });

  it('schedule advises rotating an issuer by hand when check starts warning, not 30 days later', async () => {
    const anchor = await createTrustAnchor({ now: NOW });
    const issuer = await createIssuer({ anchor, now: NOW, lifetime: '8760h' });
    const plan = planHierarchy({ anchors: [anchor.certificate], issuer: issuer.certificate, now: NOW });
    const due = plan.events.find((e) => e.kind === 'issuer-rotation-due')!;
    expect(due.at.getTime()).toBe(issuer.certificate.notAfter.getTime() - EXPIRY_WARNING_WINDOW_MS);
    expect(needsRenewal({ certificate: issuer.certificate, now: due.at })).toMatchObject({
      needsRenewal: true,
      renewAt: due.at,
    });
  });
});

describe('the needs-renewal command', () => {
  let script = '';
  let made: string | undefined;
  let work = '';
  const run = (args: string | readonly string[]): Promise<CliRun> => runCli(script, work, args);

  beforeAll(async () => {
    ({ script, made } = await cliScript());
    work = mkdtempSync(join(tmpdir(), 'l5d-pki-needs-renewal-'));
    const anchor = await createTrustAnchor({ now: NOW, lifetime: 365 * DAY_MS });
    writeFileSync(join(work, 'ca.crt'), anchor.pem);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (made) rmSync(made, { recursive: true, force: true });
  });

  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

  it('exits 0 when renewal is due, 1 when not, 2 on errors', async () => {
    const early = await run(`needs-renewal --cert ca.crt --now ${iso(at(100))}`);
    expect(early.status, early.stderr).toBe(1);
    expect(early.stdout).toBe('');
    const due = await run(`needs-renewal --cert ca.crt --now ${iso(at(310))} --verbose`);
    expect(due.status, due.stderr).toBe(0);
    expect(due.stdout).toMatch(/needs renewal: expires .*renew from .*\(1440h0m0s before expiry\)/);
    const pct = await run(`needs-renewal ca.crt --expires-in 75% --now ${iso(at(100))} --json`);
    expect(pct.status, pct.stderr).toBe(0);
    expect(JSON.parse(pct.stdout)).toMatchObject({
      needsRenewal: true,
      expired: false,
      threshold: '75% of the lifetime left',
    });
    expect((await run(`needs-renewal --cert ca.crt --expires-in 30d --now ${iso(at(300))}`)).status).toBe(1);
    expect((await run(`needs-renewal --cert ca.crt --expires-in 30d --now ${iso(at(340))}`)).status).toBe(0);
    expect((await run(`needs-renewal --cert ca.crt --now ${iso(at(500))}`)).status).toBe(0);
    for (const bad of [
      'needs-renewal',
      'needs-renewal --cert missing.crt',
      'needs-renewal --cert ca.crt --expires-in 1y',
    ]) {
      const r = await run(bad);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toMatch(/^l5d-pki: /);
    }
  });
});
