import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../scripts/conformance';
import { LIMBO_POLICY, type LimboReport, runLimbo } from '../scripts/conformance/limbo';
import { dataPath } from './helpers/fixtures';
import { intermediate, leaf, root } from './verify-certs';

/** The cases that contradict others of the suite, listed with the reason in the runner's expected-failures file. */
const expectedFailures = Object.keys(
  JSON.parse(
    readFileSync(new URL('../scripts/conformance/limbo-expected-failures.json', import.meta.url), 'utf8'),
  ).failures,
).sort();

describe('x509-limbo (dev suite)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-limbo-'));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  let report: LimboReport;

  it('wrongly rejects nothing, wrongly accepts only the listed self-contradicting cases, skips under 1 %', async () => {
    report = await runLimbo(dataPath('conformance/limbo-dev.json.gz'), { out: join(dir, 'results.json') });
    expect(report.wrongRejects).toEqual([]);
    expect(report.wrongAccepts.map((line) => line.split(': ')[0]).sort()).toEqual(expectedFailures);
    const total = report.passed + report.failed + report.skipped;
    expect(total).toBe(9_780);
    expect(report.skipped / total).toBeLessThanOrEqual(0.01);
  });

  it('writes limbo’s result file', () => {
    const file = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(file).toMatchObject({ version: 1, harness: 'l5d-pki' });
    expect(file.results).toHaveLength(9_780);
    expect(new Set(file.results.map((r: { actual_result: string }) => r.actual_result))).toEqual(
      new Set(['SUCCESS', 'FAILURE', 'SKIPPED']),
    );
  });
});

describe('limbo runner', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-limbo-unit-'));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const anchor = root();
  const good = leaf(anchor, 'example.com');
  const base = {
    features: [],
    conflicts_with: [],
    validation_kind: 'SERVER',
    trusted_certs: [anchor.pem],
    untrusted_intermediates: [],
    peer_certificate: good.pem,
    validation_time: '2026-03-01T00:00:00Z',
    expected_peer_name: { kind: 'DNS', value: 'example.com' },
    extended_key_usage: [],
    key_usage: [],
    max_chain_depth: null,
    crls: [],
    expected_result: 'SUCCESS',
  };
  const suite = (...testcases: object[]) => {
    const file = join(dir, `suite-${testcases.length}.json`);
    writeFileSync(file, JSON.stringify({ version: 1, testcases }));
    return file;
  };
  const run = async (file: string) => {
    const out: string[] = [];
    const code = await main(['--limbo', file, '--out', join(dir, 'out.json')], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    return { code, out };
  };

  it('maps cases, skips unsupported features, runs one side of a conflict', async () => {
    const file = suite(
      { ...base, id: 'a::valid' },
      {
        ...base,
        id: 'a::wrong-name',
        expected_peer_name: { kind: 'DNS', value: 'other.com' },
        expected_result: 'FAILURE',
      },
      { ...base, id: 'a::expired', validation_time: '2040-01-01T00:00:00Z', expected_result: 'FAILURE' },
      {
        ...base,
        id: 'a::client',
        validation_kind: 'CLIENT',
        expected_peer_name: null,
        extended_key_usage: ['clientAuth'],
      },
      { ...base, id: 'a::crl', features: ['has-crl'] },
      { ...base, id: 'webpki::x', conflicts_with: ['rfc5280::x'], expected_result: 'FAILURE' },
      { ...base, id: 'rfc5280::x', conflicts_with: ['webpki::x'] },
    );
    expect(await run(file)).toEqual({ code: 0, out: [LIMBO_POLICY, '5 passed, 0 failed, 2 skipped'] });
    const results = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).results;
    expect(results.map((r: { actual_result: string }) => r.actual_result)).toEqual([
      'SUCCESS',
      'FAILURE',
      'FAILURE',
      'SUCCESS',
      'SKIPPED',
      'SKIPPED',
      'SUCCESS',
    ]);
  });

  it('lists wrong accepts and wrong rejects and exits 1', async () => {
    const file = suite(
      { ...base, id: 'a::accepted', expected_result: 'FAILURE' },
      { ...base, id: 'a::rejected', validation_time: '2040-01-01T00:00:00Z' },
    );
    const { code, out } = await run(file);
    expect(code).toBe(1);
    expect(out[0]).toBe(LIMBO_POLICY);
    expect(out[1]).toBe('wrong accept: a::accepted: chain of 2 verified');
    expect(out[2]).toMatch(/^wrong reject: a::rejected: EXPIRED/);
    expect(out.at(-1)).toBe('0 passed, 2 failed, 0 skipped');
  });

  it('scores under the strict profile (profile strict), which the default profile is not', async () => {
    const noSki = intermediate(anchor, 'No SKI', { omitSki: true });
    const cases = [
      {
        ...base,
        id: 'a::leaf-missing-aki',
        peer_certificate: leaf(anchor, 'example.com', { omitAki: true }).pem,
      },
      {
        ...base,
        id: 'a::intermediate-missing-ski',
        untrusted_intermediates: [noSki.pem],
        peer_certificate: leaf(noSki, 'example.com', { omitAki: true }).pem,
      },
    ].map((c) => ({ ...c, expected_result: 'FAILURE' }));
    expect(await run(suite(...cases))).toEqual({
      code: 0,
      out: [LIMBO_POLICY, '2 passed, 0 failed, 0 skipped'],
    });
    const lenient = await runLimbo(suite(...cases), { profile: 'linkerd' });
    expect(lenient.wrongAccepts.map((line) => line.split(': ')[0])).toEqual([
      'a::leaf-missing-aki',
      'a::intermediate-missing-ski',
    ]);
  });
});
