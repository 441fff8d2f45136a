import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type CliRun, runCli } from './helpers/cli-run';

const ROOT = resolve(import.meta.dirname, '..');
let cli = '';
let work = '';
let bundleDir = '';

function run(args: string | readonly string[], stdin?: string): Promise<CliRun> {
  return runCli(cli, work, args, stdin);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'l5d-pki-cli-papercuts-'));
  // Inside the repository, so the dependencies resolve from its node_modules as they do after install.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  bundleDir = mkdtempSync(join(ROOT, '.tmp', 'cli-papercuts-'));
  cli = join(bundleDir, 'cli.js');
  await bundleCli(cli);
  for (const line of ['init --out pki', 'init --out foreign']) {
    const r = await run(line);
    expect(r.status, r.stderr).toBe(0);
  }
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
  if (bundleDir !== '') rmSync(bundleDir, { recursive: true, force: true });
});

const FIXTURES = join(ROOT, 'test', 'data', 'fixtures', 'linkerd-check');
const WEB = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const DB = 'db.shop.serviceaccount.identity.linkerd.cluster.local';
const CHECK = 'check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key';

describe.concurrent('paper cuts', () => {
  it('check --json is check --output json', async () => {
    const r = await run(`${CHECK} --json`);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { success: boolean }).success).toBe(true);
    expect((await run(`${CHECK} --json -o table`)).status).toBe(2);
  });

  it('issue --out - writes the leaf to stdout, not to a file named -', async () => {
    const csr = await run(`csr --identity ${WEB} --key-out p-key.p8 --csr-out p-csr.der`);
    expect(csr.status, csr.stderr).toBe(0);
    const r = await run(
      `issue --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --csr p-csr.der --identity ${WEB} --out -`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(work, '-'))).toBe(false);
    expect(r.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const inspected = await run(['inspect', '-'], r.stdout);
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain(WEB);
  });

  it.each(['rotate', 'manifests'])('%s without a subcommand is a usage error (exit 2)', async (cmd) => {
    const r = await run(cmd);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^l5d-pki: .*\[ERR_USAGE\]\n$/);
  });

  it.each([
    ['issue --issuer-cert pki/issuer.crt', 'ERR_USAGE', 'missing --issuer-key'],
    ['init --out pki', 'ERR_OUTPUT_EXISTS', 'already exists; pass --force'],
    [`${CHECK} --at tomorrow`, 'ERR_TIME_INVALID', 'is not an RFC 3339 time'],
    ['init --out x --issuer-lifetime 0s', 'ERR_DURATION_INVALID', 'must be a positive duration'],
  ])('usage error %s carries [%s]', async (line, code, text) => {
    const r = await run(line);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(text);
    expect(r.stderr.trim()).toMatch(new RegExp(`\\[${code}\\]$`));
  });

  it('check hints name commands, not library functions', async () => {
    const soon = new Date(Date.now() + 340 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await run(`${CHECK} --at ${soon}`);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('‼ issuer cert is valid for at least 60 days');
    expect(r.stdout).toContain('l5d-pki rotate issuer');
    expect(r.stdout).not.toMatch(/rotateIssuer|createIssuer|planAnchorRotation|createTrustAnchor/);
  });

  it('no issuer name check by default: the wrong-domain fixture passes, as current linkerd check', async () => {
    const files = (name: string) =>
      ['--anchors', 'trust-anchors', '--issuer-cert', 'crt', '--issuer-key', 'key'].map((a, i, all) =>
        i % 2 === 0 ? a : join(FIXTURES, `${name}-${all[i]}.pem`),
      );
    const at = ['--at', '2025-01-01T00:00:00Z'];
    const r = await run(['check', ...files('wrong-domain'), ...at]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('√ issuer cert is issued by the trust anchor');
    const named = await run([
      'check',
      ...files('wrong-domain'),
      ...at,
      '--issuer-name',
      'identity.linkerd.cluster.local',
    ]);
    expect(named.status).toBe(1);
    expect(named.stdout).toContain('issuer certificate is not valid for identity.linkerd.cluster.local');
  });

  it('schedule: no proxy refresh line for a CA, and whole seconds everywhere', async () => {
    const ca = await run('schedule --cert pki/issuer.crt');
    expect(ca.status, ca.stderr).toBe(0);
    expect(ca.stdout).not.toContain('proxy refresh');
    expect(ca.stdout).toContain('(a CA)');
    const json = await run('schedule --cert pki/issuer.crt --json');
    const parsed = JSON.parse(json.stdout) as { certificate: { proxyRefresh: unknown } };
    expect(parsed.certificate.proxyRefresh).toBeNull();
    expect((await run(`csr --identity ${DB} --key-out s-key.p8 --csr-out s-csr.der`)).status).toBe(0);
    const leaf = await run(
      `issue --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --csr s-csr.der --identity ${DB} --out s-leaf.crt`,
    );
    expect(leaf.status, leaf.stderr).toBe(0);
    const later = new Date(Date.now() + 3 * 3_600_000 + 123).toISOString();
    const r = await run(
      `schedule --cert s-leaf.crt --now ${later} --anchors pki/ca.crt --issuer-cert pki/issuer.crt`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('proxy refresh');
    expect(r.stdout).not.toMatch(/\d\.\d+Z/);
    expect(r.stdout).not.toMatch(/\d\.\d+s\b/);
  });

  it('per-command help: its own exit statuses; manifests secret states the --name default and --out', async () => {
    const init = await run('init --help');
    expect(init.stdout).not.toContain('for verify');
    expect(init.stdout).not.toContain('for check');
    const secret = await run('manifests secret --help');
    expect(secret.stdout).toContain('default: linkerd-identity-issuer');
    expect(secret.stdout).toContain('--out FILE');
    expect(secret.stdout).toContain('--scheme SCHEME');
  });

  it('manifests --out writes the file, and replaces it only with --force', async () => {
    const r = await run('manifests configmap --anchors pki/ca.crt --out cm.yaml');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(work, 'cm.yaml'), 'utf8')).toContain('kind: ConfigMap');
    const again = await run('manifests configmap --anchors pki/ca.crt --out cm.yaml');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('[ERR_OUTPUT_EXISTS]');
    expect((await run('manifests configmap --anchors pki/ca.crt --out cm.yaml --force')).status).toBe(0);
  });

  it('indented PEM (pasted from YAML) reads, as RFC 7468 allows; other damage is said plainly', async () => {
    const pem = readFileSync(join(work, 'pki/ca.crt'), 'utf8');
    const indented = pem
      .split('\n')
      .map((l) => (l === '' ? l : `    ${l}`))
      .join('\n');
    writeFileSync(join(work, 'indented.crt'), indented);
    const r = await run('inspect indented.crt');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('CN=root.linkerd.cluster.local');
    const lines = pem.split('\n');
    lines[2] = `${lines[2]!.slice(0, 4)}!${lines[2]!.slice(5)}`;
    writeFileSync(join(work, 'bang.crt'), lines.join('\n'));
    const bad = await run('inspect bang.crt');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('line 3 holds "!" at column 5, which is not base64');
    expect(bad.stderr).not.toContain('offset');
  });

  it('init --trust-domain example.org prints --identity-trust-domain example.org in the install line', async () => {
    const r = await run('init --out td --trust-domain example.org');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'linkerd install --identity-trust-domain example.org --identity-trust-anchors-file td/ca.crt --identity-issuer-certificate-file td/issuer.crt --identity-issuer-key-file td/issuer.key',
    );
    expect((await run('init --out td2')).stdout).not.toContain('--identity-trust-domain');
  });
});
