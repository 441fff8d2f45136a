// Linkerd's two issuer Secret schemes from the CLI (`manifests secret --scheme`, `rotate issuer --scheme`),
// `lint`, and `inspect`/`check` of the same YAML, run as a child process on a bundle of src/cli/main.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { bundleCli, type CliRun, runCli } from './helpers/cli-run';
import { hasOpenssl, OPENSSL } from './helpers/openssl';

const ROOT = resolve(import.meta.dirname, '..');
let cli = '';
let work = '';
let bundleDir = '';

function run(args: string | readonly string[], stdin?: string): Promise<CliRun> {
  return runCli(cli, work, args, stdin);
}

function openssl(args: string[]): { status: number; stdout: string } {
  const r = spawnSync(OPENSSL, args, {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, OPENSSL_CONF: '/dev/null' },
  });
  return { status: r.status ?? -1, stdout: r.stdout };
}

function docs(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}

function file(name: string): string {
  return readFileSync(join(work, name), 'utf8');
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

const SECRET =
  'manifests secret --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --anchors pki/ca.crt';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'l5d-pki-cli-schemes-'));
  // Inside the repository, so the dependencies resolve from its node_modules as they do after install.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  bundleDir = mkdtempSync(join(ROOT, '.tmp', 'cli-schemes-'));
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

describe.concurrent('manifests secret --scheme', () => {
  it('defaults to linkerd.io/tls: an Opaque Secret with exactly crt.pem and key.pem, which OpenSSL reads', async () => {
    const r = await run(SECRET);
    expect(r.status, r.stderr).toBe(0);
    const [secret, ...rest] = docs(r.stdout);
    expect(rest).toEqual([]);
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
      data: { 'crt.pem': b64(file('pki/issuer.crt')), 'key.pem': expect.any(String) },
    });
    const data = secret!.data as Record<string, string>;
    const key = Buffer.from(data['key.pem']!, 'base64').toString();
    writeFileSync(join(work, 'scheme-crt.pem'), Buffer.from(data['crt.pem']!, 'base64'));
    writeFileSync(join(work, 'scheme-key.pem'), key);
    if (hasOpenssl) {
      expect(openssl(['verify', '-CAfile', 'pki/ca.crt', 'scheme-crt.pem']).status).toBe(0);
      const fromKey = openssl(['pkey', '-in', 'scheme-key.pem', '-pubout']).stdout;
      const fromCert = openssl(['x509', '-in', 'scheme-crt.pem', '-noout', '-pubkey']).stdout;
      expect(fromKey).not.toBe('');
      expect(fromKey).toBe(fromCert);
    }
  });

  it('kubernetes.io/tls: tls.crt, tls.key and ca.crt, field by field', async () => {
    const r = await run(`${SECRET} --scheme kubernetes.io/tls --namespace mesh --name issuer`);
    expect(r.status, r.stderr).toBe(0);
    const [secret] = docs(r.stdout);
    expect(secret).toMatchObject({
      type: 'kubernetes.io/tls',
      metadata: { name: 'issuer', namespace: 'mesh' },
    });
    const data = secret!.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(data['tls.crt']).toBe(b64(file('pki/issuer.crt')));
    expect(data['ca.crt']).toBe(b64(file('pki/ca.crt')));
  });

  it('refuses an issuer that does not chain to the anchors (exit 1), and an unknown scheme (exit 2)', async () => {
    const r = await run(
      'manifests secret --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --anchors foreign/ca.crt',
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^l5d-pki: pki\/issuer\.crt: the issuer does not chain to the trust anchors in foreign\/ca\.crt: .*\[ERR_ISSUER_CHAIN\]\n$/,
    );
    const bad = await run(`${SECRET} --scheme opaque`);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('[ERR_USAGE]');
  });
});

describe.concurrent('rotate issuer --scheme', () => {
  it('prints steps for linkerd.io/tls by default, with the linkerd upgrade line, and the step works', async () => {
    const r = await run('rotate issuer --anchor-cert pki/ca.crt --anchor-key pki/ca.key --out rot1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'l5d-pki manifests secret --scheme linkerd.io/tls --issuer-cert rot1/issuer.crt --issuer-key rot1/issuer.key --anchors pki/ca.crt | kubectl apply -f -',
    );
    expect(r.stdout).toContain(
      'linkerd upgrade --identity-issuer-certificate-file rot1/issuer.crt --identity-issuer-key-file rot1/issuer.key | kubectl apply -f -',
    );
    expect(r.stdout).not.toContain('kubernetes.io/tls Secret');
    const line = r.stdout.split('\n').find((l) => l.includes('l5d-pki manifests secret'))!;
    const args = line
      .trim()
      .replace(/^l5d-pki /, '')
      .replace(/ \| kubectl apply -f -$/, '');
    const secret = await run(args);
    expect(secret.status, secret.stderr).toBe(0);
    expect(Object.keys(docs(secret.stdout)[0]!.data as object)).toEqual(['crt.pem', 'key.pem']);
  });

  it('kubernetes.io/tls: the Secret of that scheme, in --json too', async () => {
    const r = await run(
      'rotate issuer --anchor-cert pki/ca.crt --anchor-key pki/ca.key --out rot2 --scheme kubernetes.io/tls --json',
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { scheme: string; apply: string; upgrade: string };
    expect(out.scheme).toBe('kubernetes.io/tls');
    expect(out.apply).toContain('--scheme kubernetes.io/tls');
    expect(out.upgrade).toMatch(
      /^linkerd upgrade --identity-issuer-certificate-file rot2\/issuer\.crt --identity-issuer-key-file rot2\/issuer\.key/,
    );
  });
});

describe.concurrent('lint, inspect and check read the same YAML', () => {
  it('lint: exit 0 clean, 1 with one line per finding naming object and field, 2 unreadable', async () => {
    const secret = (await run(SECRET)).stdout;
    const cm = (await run('manifests configmap --anchors pki/ca.crt')).stdout;
    writeFileSync(join(work, 'good.yaml'), `${secret}---\n${cm}`);
    const clean = await run('lint good.yaml');
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toBe('');
    expect(clean.stderr).toBe('2 objects checked: no problems\n');

    const foreign = (
      await run(
        'manifests secret --issuer-cert foreign/issuer.crt --issuer-key foreign/issuer.key --anchors foreign/ca.crt',
      )
    ).stdout;
    const bad = await run(['lint', '-'], `${foreign}---\n${cm}`);
    expect(bad.status).toBe(1);
    const lines = bad.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: \(stdin\): Secret linkerd\/linkerd-identity-issuer data\[crt\.pem\]: issuer CN=identity\.linkerd\.cluster\.local does not chain to the trust anchors/,
    );
    // The same Secret is clean against its own anchors, given with --anchors.
    writeFileSync(join(work, 'foreign.yaml'), foreign);
    expect((await run('lint foreign.yaml --anchors foreign/ca.crt')).status).toBe(0);
    const json = await run('lint foreign.yaml --anchors pki/ca.crt --json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      findings: [{ code: 'NOT_CHAINED', field: 'data[crt.pem]' }],
    });

    writeFileSync(join(work, 'broken.yaml'), 'a: [1\n');
    const broken = await run('lint broken.yaml');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(
      /^l5d-pki: broken\.yaml: YAML document 1 is invalid at line 2.*\[ERR_MANIFEST_INVALID\]\n$/,
    );
    expect((await run('lint missing.yaml')).status).toBe(2);
    expect((await run('lint')).status).toBe(2);
  });

  it('inspect secret.yaml summarizes its certificates and key instead of failing with ERR_DER', async () => {
    writeFileSync(
      join(work, 'inspect-secret.yaml'),
      (await run(`${SECRET} --scheme kubernetes.io/tls`)).stdout,
    );
    const r = await run('inspect inspect-secret.yaml --json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { kind: string; items: { kind: string; subject?: string }[] };
    expect(report.kind).toBe('multiple');
    expect(report.items.map((i) => i.kind)).toEqual(['certificate', 'certificate', 'private-key']);
    expect(report.items[0]!.subject).toBe('CN=identity.linkerd.cluster.local');
    expect(r.stdout).not.toContain('PRIVATE KEY-----');
  });

  it('check takes the issuer Secret (either scheme) and the trust-roots ConfigMap', async () => {
    writeFileSync(join(work, 'check-secret.yaml'), (await run(SECRET)).stdout);
    writeFileSync(join(work, 'check-tls.yaml'), (await run(`${SECRET} --scheme kubernetes.io/tls`)).stdout);
    writeFileSync(
      join(work, 'check-cm.yaml'),
      (await run('manifests configmap --anchors pki/ca.crt')).stdout,
    );
    const a = await run('check --issuer-cert check-secret.yaml --anchors check-cm.yaml');
    expect(a.status, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toContain('√ issuer cert is issued by the trust anchor');
    const b = await run('check --issuer-cert check-tls.yaml');
    expect(b.status, b.stdout + b.stderr).toBe(0);
    const c = await run('check --issuer-cert check-secret.yaml --anchors foreign/ca.crt');
    expect(c.status).toBe(1);
    const d = await run('check --issuer-cert check-secret.yaml');
    expect(d.status).toBe(2);
    expect(d.stderr).toContain('missing --anchors');
  });
});
