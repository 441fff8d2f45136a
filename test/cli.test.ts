// The `l5d-pki` command, run as a child process: the built dist/cli.js when it is newer than the
// sources (CI builds first), otherwise the same entry bundled here with esbuild.
import { execFile, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { bundleCli } from './helpers/cli-run';
import { hasOpenssl, OPENSSL } from './helpers/openssl';

const ROOT = resolve(import.meta.dirname, '..');
const DIST_CLI = join(ROOT, 'dist', 'cli.js');
const ID = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const OTHER_ID = 'db.shop.serviceaccount.identity.linkerd.cluster.local';
const SPIFFE = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';
/** Command lines are written as text and split on spaces; arguments with spaces use arrays. */
const ISSUE = 'issue --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --csr csr.der';
const CHECK = 'check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key';
const VERIFY = 'verify --bundle pki/ca.crt --chain chain.crt';
const GARBAGE = ['random.bin', 'empty', 'text.txt', 'a-directory', 'does-not-exist'];

let cli = '';
let work = '';
let bundleDir = '';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/cli.js when it is at least as new as everything it is built from; otherwise a fresh bundle. */
async function cliPath(): Promise<string> {
  const inputs = ['package.json', 'tsup.config.ts', 'build/node-backend.ts'].map((f) => join(ROOT, f));
  const newest = Math.max(newestSource(join(ROOT, 'src')), ...inputs.map((f) => statSync(f).mtimeMs));
  if (existsSync(DIST_CLI) && statSync(DIST_CLI).mtimeMs >= newest) return DIST_CLI;
  // Inside the repository, so the dependencies resolve from its node_modules as they do after install.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  bundleDir = mkdtempSync(join(ROOT, '.tmp', 'cli-test-'));
  const outfile = join(bundleDir, 'cli.js');
  await bundleCli(outfile);
  return outfile;
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function argv(args: string | readonly string[]): string[] {
  return typeof args === 'string' ? args.split(' ').filter((a) => a !== '') : [...args];
}

/** Runs the CLI in the work directory, with `stdin` as its standard input when given. */
function run(args: string | readonly string[], stdin?: Uint8Array): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [cli, ...argv(args)],
      { cwd: work, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        done({ status: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

/** Asserts a failure reported as exactly one `l5d-pki: …` line on stderr, without a stack trace. */
function expectOneLine(r: Run, status: number): void {
  expect(r.status, r.stderr).toBe(status);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^l5d-pki: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function openssl(args: string): Run {
  const r = spawnSync(OPENSSL, argv(args), {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, OPENSSL_CONF: '/dev/null' },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function mode(path: string): number {
  return statSync(join(work, path)).mode & 0o777;
}

function read(path: string): Buffer {
  return readFileSync(join(work, path));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'l5d-pki-cli-'));
  cli = await cliPath();
  // The material the tests share: init → csr → issue, and a second, unrelated hierarchy.
  for (const line of [
    'init --out pki',
    `csr --identity ${ID} --key-out key.p8 --csr-out csr.der`,
    `${ISSUE} --identity ${ID} --out leaf.crt --chain-out chain.crt`,
    'init --out foreign',
  ]) {
    const r = await run(line);
    expect(r.status, `${line}: ${r.stderr}`).toBe(0);
  }
  writeFileSync(join(work, 'random.bin'), createHash('sha512').update('not a certificate').digest());
  writeFileSync(join(work, 'empty'), '');
  writeFileSync(join(work, 'text.txt'), 'hello, world\n');
  mkdirSync(join(work, 'a-directory'));
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
  if (bundleDir !== '') rmSync(bundleDir, { recursive: true, force: true });
});

describe.concurrent('global flags and help', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`l5d-pki ${version}`);
  });

  it('--help lists every command and the exit statuses', async () => {
    const r = await run('--help');
    expect(r.status).toBe(0);
    for (const c of 'init csr issue verify check inspect schedule rotate manifests'.split(' ')) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    expect(r.stdout).toMatch(/Exit status:\n {2}0 .*\n {2}1 .*\n {2}2 /);
  });

  it('no command prints the help and exits 2', async () => {
    const r = await run([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('Usage: l5d-pki <command>');
  });

  it.each([
    'init',
    'csr',
    'issue',
    'verify',
    'check',
    'inspect',
    'schedule',
    'rotate',
    'rotate issuer',
    'rotate anchor',
    'manifests',
    'manifests secret',
    'manifests configmap',
    'manifests cert-manager',
    'manifests helm',
    'manifests spiffe-bundle',
  ])('%s --help, -h, and help %s', async (topic) => {
    for (const line of [`${topic} --help`, `${topic} -h`, `help ${topic}`]) {
      const r = await run(line);
      expect(r.status, line).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: l5d-pki ${topic}`);
    }
  });
});

describe.concurrent('init', () => {
  it('writes PEM files, keys mode 0600, and prints the linkerd install line', async () => {
    const r = await run('init --out fresh --trust-domain example.org --issuer-lifetime 48h');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'linkerd install --identity-trust-domain example.org --identity-trust-anchors-file fresh/ca.crt --identity-issuer-certificate-file fresh/issuer.crt --identity-issuer-key-file fresh/issuer.key',
    );
    const rfc3339 = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
    expect(r.stdout).toMatch(new RegExp(`CN=root\\.linkerd\\.example\\.org {2}valid until ${rfc3339}`));
    expect(r.stdout).toMatch(new RegExp(`CN=identity\\.linkerd\\.example\\.org {2}valid until ${rfc3339}`));
    expect(mode('fresh/ca.key')).toBe(0o600);
    expect(mode('fresh/issuer.key')).toBe(0o600);
    expect(read('fresh/ca.crt').toString()).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(read('fresh/issuer.key').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('--json gives subjects, RFC 3339 dates and the install line', async () => {
    const r = await run('init --out json-init --json --anchor-lifetime 1000h --issuer-lifetime 90m');
    expect(r.status, r.stderr).toBe(0);
    interface Cert {
      subject: string;
      notBefore: string;
      notAfter: string;
    }
    const out = JSON.parse(r.stdout) as { anchor: Cert; issuer: Cert; install: string };
    expect(out.anchor.subject).toBe('CN=root.linkerd.cluster.local');
    expect(out.issuer.subject).toBe('CN=identity.linkerd.cluster.local');
    const span = (c: Cert) => Date.parse(c.notAfter) - Date.parse(c.notBefore);
    expect(span(out.anchor)).toBe(1000 * 3_600_000 + 20_000); // and the 10 s skew allowance each side
    expect(span(out.issuer)).toBe(90 * 60_000 + 20_000);
    expect(out.anchor.notAfter).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(out.install).toMatch(/^linkerd install /);
  });

  it('refuses to overwrite without --force (exit 2, files untouched)', async () => {
    const names = ['ca.crt', 'ca.key', 'issuer.crt', 'issuer.key'].map((n) => `pki/${n}`);
    const before = names.map(read);
    const mtimes = names.map((n) => statSync(join(work, n)).mtimeMs);
    const r = await run('init --out pki');
    expectOneLine(r, 2);
    expect(r.stderr).toContain('already exists; pass --force');
    expect(names.map(read)).toEqual(before);
    expect(names.map((n) => statSync(join(work, n)).mtimeMs)).toEqual(mtimes);
  });

  it('replaces files with --force, keys still 0600 and no temporary files left', async () => {
    const names = ['ca.crt', 'ca.key', 'issuer.crt', 'issuer.key'];
    mkdirSync(join(work, 'forced'));
    for (const n of names) writeFileSync(join(work, 'forced', n), 'old', { mode: 0o644 });
    const r = await run('init --out forced --force');
    expect(r.status, r.stderr).toBe(0);
    expect(read('forced/ca.crt').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(mode('forced/ca.key')).toBe(0o600);
    expect(mode('forced/issuer.key')).toBe(0o600);
    expect(readdirSync(join(work, 'forced')).sort()).toEqual([...names].sort());
  });

  it('refuses a bad trust domain, bad durations, and an output path that is a file (exit 2)', async () => {
    expectOneLine(await run(['init', '--out', 'x1', '--trust-domain', 'not a domain']), 2);
    expectOneLine(await run(['init', '--out', 'x2', '--anchor-lifetime', '10 years']), 2);
    expectOneLine(await run('init --out x3 --issuer-lifetime -1h'), 2);
    expectOneLine(await run('init --out empty'), 2);
  });

  it.skipIf(!hasOpenssl)('OpenSSL verifies the issuer under the anchor and reads the keys', () => {
    const r = openssl('verify -CAfile pki/ca.crt pki/issuer.crt');
    expect(r.stdout.trim(), r.stderr).toBe('pki/issuer.crt: OK');
    expect(openssl('pkey -in pki/issuer.key -noout').status).toBe(0);
    expect(openssl('pkey -in pki/ca.key -noout').status).toBe(0);
  });
});

describe.concurrent('csr and issue', () => {
  it('csr writes a PKCS#8 DER key (0600) and a DER CSR for the identity', async () => {
    expect(mode('key.p8')).toBe(0o600);
    const key = createPrivateKey({ key: read('key.p8'), format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const r = await run('inspect csr.der --json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'csr',
      subject: `CN=${ID}`,
      subjectAltNames: [`DNS:${ID}`],
      signatureValid: true,
      linkerdAcceptable: true,
    });
  });

  it('csr refuses to overwrite, needs --identity, and refuses a non-DNS identity', async () => {
    expectOneLine(await run(`csr --identity ${ID}`), 2); // key.p8 and csr.der exist
    const missing = await run('csr');
    expectOneLine(missing, 2);
    expect(missing.stderr).toContain('missing --identity');
    expectOneLine(await run(['csr', '--identity', 'not a name', '--key-out', 'k2', '--csr-out', 'c2']), 2);
    expect(existsSync(join(work, 'k2'))).toBe(false);
  });

  it.skipIf(!hasOpenssl)('OpenSSL verifies the leaf issue wrote, and the CSR', () => {
    const r = openssl('verify -CAfile pki/ca.crt -untrusted pki/issuer.crt leaf.crt');
    expect(r.stdout.trim(), r.stderr).toBe('leaf.crt: OK');
    const chain = openssl('verify -CAfile pki/ca.crt -untrusted chain.crt leaf.crt');
    expect(chain.stdout.trim(), chain.stderr).toBe('leaf.crt: OK');
    const req = openssl('req -in csr.der -inform DER -verify -noout');
    expect(`${req.stdout}${req.stderr}`).toMatch(/verify OK/i);
  });

  it('the leaf carries the DNS and SPIFFE SANs; --chain-out adds the issuer', async () => {
    const r = await run('inspect chain.crt --json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; certificates: Record<string, unknown>[] };
    expect(out.kind).toBe('bundle');
    expect(out.certificates).toHaveLength(2);
    expect(out.certificates[0]).toMatchObject({
      subject: `CN=${ID}`,
      subjectAltNames: [`DNS:${ID}`, `URI:${SPIFFE}`],
      ca: false,
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
    });
    expect(out.certificates[1]).toMatchObject({ subject: 'CN=identity.linkerd.cluster.local', pathLen: 0 });
  });

  it('--no-spiffe, --lifetime and --count', async () => {
    const r = await run(
      `${ISSUE} --identity ${ID} --no-spiffe --lifetime 1h30m --count 3 --out plain.crt --json`,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      subjectAltNames: string[];
      notBefore: string;
      notAfter: string;
      count: number;
    };
    expect(out.subjectAltNames).toEqual([`DNS:${ID}`]);
    expect(out.count).toBe(3);
    expect(Date.parse(out.notAfter) - Date.parse(out.notBefore)).toBe(90 * 60_000 + 20_000);
    expect(r.stderr).toBe(''); // no progress: stderr is not a terminal
  });

  it('--spiffe-trust-domain and --trust-domain', async () => {
    const r = await run(`${ISSUE} --identity ${ID} --spiffe-trust-domain example.org --out td.crt --json`);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      subjectAltNames: [`DNS:${ID}`, 'URI:spiffe://example.org/ns/shop/sa/web'],
    });
    const wrong = await run(`${ISSUE} --identity ${ID} --trust-domain example.org --out td2.crt`);
    expectOneLine(wrong, 2);
  });

  it('refuses a CSR for another identity (exit 1) and a non-Linkerd name without --no-spiffe (exit 2)', async () => {
    const other = await run(`${ISSUE} --identity ${OTHER_ID} --out o.crt`);
    expectOneLine(other, 1);
    expect(other.stderr).toContain('[ERR_CSR_IDENTITY_MISMATCH]');
    const plain = await run(`${ISSUE} --identity example.com --out o.crt`);
    expectOneLine(plain, 2);
    expect(plain.stderr).toContain('--no-spiffe');
    expect(existsSync(join(work, 'o.crt'))).toBe(false);
  });

  it('refuses an issuer key that does not match the certificate (exit 1)', async () => {
    const r = await run(
      `issue --issuer-cert pki/issuer.crt --issuer-key foreign/issuer.key --csr csr.der --identity ${ID} --out m.crt`,
    );
    expectOneLine(r, 1);
    expect(r.stderr).toContain('[ERR_KEY_MISMATCH]');
  });
});

describe.concurrent('verify', () => {
  it('accepts the chain under its bundle (exit 0), also with the identity or SPIFFE ID', async () => {
    const ok = await run(VERIFY);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`URI:${SPIFFE}`);
    const byName = await run(`${VERIFY} --identity ${ID} --json`);
    expect(byName.status, byName.stderr).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject({
      valid: true,
      identity: { dns: [ID], spiffeId: SPIFFE },
    });
    expect((await run(`${VERIFY} --spiffe ${SPIFFE} --usage server`)).status).toBe(0);
  });

  it('refuses the leaf under a foreign bundle (exit 1, one line, nothing on stdout)', async () => {
    const r = await run('verify --bundle foreign/ca.crt --chain chain.crt');
    expectOneLine(r, 1);
    expect(r.stderr).toMatch(/^l5d-pki: invalid: .*\[[A-Z_]+\]\n$/);
    expect(r.stdout).toBe('');
  });

  it('refuses a wrong identity, a missing issuer, and a time after expiry (exit 1)', async () => {
    const wrong = await run(`${VERIFY} --identity ${OTHER_ID}`);
    expectOneLine(wrong, 1);
    expect(wrong.stderr).toContain('[NAME_MISMATCH]');
    const alone = await run('verify --bundle pki/ca.crt --chain leaf.crt');
    expectOneLine(alone, 1);
    expect(alone.stderr).toContain('[UNKNOWN_ISSUER]');
    const late = await run(`${VERIFY} --at 2999-01-01T00:00:00Z`);
    expectOneLine(late, 1);
    expect(late.stderr).toContain('[EXPIRED]');
    const json = await run(`${VERIFY} --at 2999-01-01T00:00:00Z --json`);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, code: 'EXPIRED' });
  });

  it.each([
    'verify --chain chain.crt',
    `${VERIFY} --identity ${ID} --spiffe ${SPIFFE}`,
    `${VERIFY} --at yesterday`,
    `${VERIFY} --at 2026-02-30T00:00:00Z`,
    `${VERIFY} --at 2026-01-01T24:00:00Z`,
    `${VERIFY} --spiffe http://x`,
    `${VERIFY} --usage peer`,
  ])('usage error: %s', async (line) => {
    expectOneLine(await run(line), 2);
  });
});

describe.concurrent('check', () => {
  it('passes on what init wrote (exit 0, √ lines)', async () => {
    const r = await run(CHECK);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('linkerd-identity\n----------------\n');
    expect(r.stdout).toContain('\u221A issuer cert is issued by the trust anchor');
    expect(r.stdout).toContain('Status check results are \u221A');
  });

  it('fails an issuer under another anchor (exit 1, × line), also as JSON', async () => {
    const line = 'check --anchors foreign/ca.crt --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key';
    const r = await run(line);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('\u00D7 issuer cert is issued by the trust anchor');
    const json = await run(`${line} --output json`);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ success: false });
  });

  it('warns about an issuer close to expiry without failing (‼, exit 0)', async () => {
    const at = new Date(Date.now() + 340 * 86_400_000).toISOString();
    const r = await run(`${CHECK} --at ${at}`);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('\u203C issuer cert is valid for at least 60 days');
  });

  it('a key that is not the issuer’s fails (exit 1); a bad --output is a usage error', async () => {
    const r = await run(
      'check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key foreign/issuer.key',
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('\u00D7');
    expectOneLine(await run(`${CHECK} --output yaml`), 2);
  });

  it('accepts a DER PKCS#8 issuer key', async () => {
    const der = createPrivateKey(read('pki/issuer.key')).export({ type: 'pkcs8', format: 'der' });
    writeFileSync(join(work, 'issuer.p8'), der);
    const r = await run('check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key issuer.p8');
    expect(r.status, r.stdout).toBe(0);
  });
});

describe.concurrent('inspect', () => {
  it('summarizes a certificate', async () => {
    const r = await run('inspect pki/issuer.crt');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^certificate\n/);
    expect(r.stdout).toMatch(/subject +CN=identity\.linkerd\.cluster\.local\n/);
    expect(r.stdout).toMatch(/issuer +CN=root\.linkerd\.cluster\.local\n/);
    expect(r.stdout).toMatch(/serial +[0-9a-f]+\n/);
    expect(r.stdout).toMatch(/CA +yes, pathLen 0\n/);
    expect(r.stdout).toMatch(/key usage +keyCertSign, cRLSign\n/);
    expect(r.stdout).toMatch(/key +ECDSA P-256, sha256 [0-9a-f]{64}\n/);
    expect(r.stdout).toMatch(/not after +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(valid, expires in /);
  });

  it('shows a key’s algorithm and public key fingerprint, never the private key', async () => {
    const pem = read('pki/issuer.key').toString();
    const key = createPrivateKey(pem);
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const fingerprint = createHash('sha256').update(spki).digest('hex');
    const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    const scalar = key.export({ format: 'jwk' }).d!;
    for (const line of ['inspect pki/issuer.key', 'inspect pki/issuer.key --json', 'inspect key.p8']) {
      const r = await run(line);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('ECDSA P-256');
      for (const b of body) expect(r.stdout).not.toContain(b);
      expect(r.stdout).not.toContain(scalar);
      expect(r.stdout).not.toContain(Buffer.from(scalar, 'base64url').toString('hex'));
      if (line.includes('issuer.key')) expect(r.stdout).toContain(fingerprint);
    }
    const cert = JSON.parse((await run('inspect pki/issuer.crt --json')).stdout) as {
      publicKeySha256: string;
    };
    expect(cert.publicKeySha256).toBe(fingerprint);
  });

  it('reads standard input with -', async () => {
    const r = await run('inspect - --json', read('leaf.crt'));
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'certificate', subject: `CN=${ID}` });
  });

  it('describes keys l5d-pki does not use (RSA) through node:crypto', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(work, 'rsa.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const r = await run('inspect rsa.pem --json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'private-key', keyAlgorithm: 'RSA 2048' });
  });
});

describe.concurrent('schedule', () => {
  it('gives the proxy refresh (70% of the time left) and the cert-manager renewal time', async () => {
    const leaf = JSON.parse((await run('inspect leaf.crt --json')).stdout) as {
      notBefore: string;
      notAfter: string;
    };
    const now = new Date(Date.parse(leaf.notBefore) + 3_600_000);
    const r = await run(`schedule --cert leaf.crt --now ${now.toISOString()} --json`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      certificate: { proxyRefresh: { delayMs: number }; certManagerRenewal: { at: string } };
    };
    const notBefore = Date.parse(leaf.notBefore);
    const notAfter = Date.parse(leaf.notAfter);
    expect(out.certificate.proxyRefresh.delayMs).toBe(Math.round((notAfter - now.getTime()) * 0.7));
    const renew = Math.floor((notAfter - Math.ceil((notAfter - notBefore) / 3)) / 1000) * 1000;
    expect(Date.parse(out.certificate.certManagerRenewal.at)).toBe(renew);
  });

  it('plans the hierarchy with --anchors and --issuer-cert', async () => {
    const r = await run('schedule --anchors pki/ca.crt --issuer-cert pki/issuer.crt');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^leaves: valid until .*, refreshed every /);
    expect(r.stdout).toContain('issuer-rotation-due');
    expect(r.stdout).toContain('anchor-expiry');
  });

  it.each([
    'schedule',
    'schedule --anchors pki/ca.crt',
    'schedule --cert leaf.crt --renew-before soon',
    'schedule --cert leaf.crt --renew-before-percentage 3.5',
  ])('usage error: %s', async (line) => {
    expectOneLine(await run(line), 2);
  });
});

describe.concurrent('rotate', () => {
  it('rotate issuer signs a new issuer under the same anchor', async () => {
    const r = await run(
      'rotate issuer --anchor-cert pki/ca.crt --anchor-key pki/ca.key --issuer-cert pki/issuer.crt --out rotated',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(mode('rotated/issuer.key')).toBe(0o600);
    const check = await run(
      'check --anchors pki/ca.crt --issuer-cert rotated/issuer.crt --issuer-key rotated/issuer.key',
    );
    expect(check.status, check.stdout).toBe(0);
    if (hasOpenssl) expect(openssl('verify -CAfile pki/ca.crt rotated/issuer.crt').status).toBe(0);
  });

  it('rotate issuer refuses an issuer of another anchor (exit 1)', async () => {
    const r = await run(
      'rotate issuer --anchor-cert foreign/ca.crt --anchor-key foreign/ca.key --issuer-cert pki/issuer.crt --out r2',
    );
    expectOneLine(r, 1);
    expect(r.stderr).toContain('rotate anchor');
  });

  it('rotate anchor writes the combined bundle and new material, and plans three steps', async () => {
    const r = await run('rotate anchor --bundle pki/ca.crt --out new-anchor --json');
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { steps: { id: string }[] };
    expect(plan.steps.map((s) => s.id)).toEqual(['add-new-anchor', 'switch-issuer', 'remove-old-anchor']);
    expect(mode('new-anchor/ca.key')).toBe(0o600);
    // Today's leaf verifies under the combined bundle; the new issuer passes the checks under the new anchor.
    expect((await run('verify --bundle new-anchor/ca-bundle.crt --chain chain.crt')).status).toBe(0);
    const check = await run(
      'check --anchors new-anchor/ca.crt --issuer-cert new-anchor/issuer.crt --issuer-key new-anchor/issuer.key',
    );
    expect(check.status, check.stdout).toBe(0);
  });
});

describe.concurrent('manifests', () => {
  function docs(text: string): Record<string, unknown>[] {
    return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
  }

  it('secret, configmap, helm and cert-manager print YAML', async () => {
    const secret = await run(
      'manifests secret --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --anchors pki/ca.crt',
    );
    expect(secret.status, secret.stderr).toBe(0);
    // Linkerd's default scheme, linkerd.io/tls: an Opaque Secret with crt.pem and key.pem.
    expect(docs(secret.stdout)[0]).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
      data: { 'crt.pem': expect.any(String), 'key.pem': expect.any(String) },
    });
    expect(docs(secret.stdout)[0]).not.toHaveProperty('type');
    const cm = await run('manifests configmap --anchors pki/ca.crt --namespace mesh');
    expect(docs(cm.stdout)[0]).toMatchObject({ kind: 'ConfigMap', metadata: { namespace: 'mesh' } });
    const helm = await run(
      'manifests helm --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key',
    );
    expect(docs(helm.stdout)[0]).toHaveProperty('identityTrustAnchorsPEM');
    const cmgr = await run('manifests cert-manager --anchor-cert pki/ca.crt --anchor-key pki/ca.key');
    expect(cmgr.status, cmgr.stderr).toBe(0);
    expect(docs(cmgr.stdout).map((d) => d.kind)).toEqual(['Secret', 'Issuer', 'Certificate']);
  });

  it('refuses a key that does not match (exit 1) and unknown kinds (exit 2)', async () => {
    const mismatch = await run(
      'manifests helm --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key foreign/issuer.key',
    );
    expectOneLine(mismatch, 1);
    expect(mismatch.stderr).toContain('[ERR_KEY_MISMATCH]');
    expectOneLine(await run('manifests deployment'), 2);
  });
});

describe.concurrent('usage errors and garbage input: one line, exit 2, no stack trace', () => {
  it.each([
    'frobnicate',
    '--frobnicate',
    'init --bogus',
    'init --out',
    'init extra',
    'inspect',
    'inspect a b',
    'issue --issuer-cert pki/issuer.crt',
    'rotate sideways',
    'help nothing',
  ])('%s points at --help', async (line) => {
    const r = await run(line);
    expectOneLine(r, 2);
    expect(r.stderr).toContain('--help');
  });

  it.each([
    `${ISSUE} --identity ${ID} --lifetime 1d`,
    `${ISSUE} --identity ${ID} --count 0`,
    `${ISSUE} --identity ${ID} --no-spiffe --spiffe-trust-domain example.org`,
    'schedule --cert leaf.crt --now 2026-01-01',
  ])('bad flag value: %s', async (line) => {
    expectOneLine(await run(line), 2);
  });

  it.each(GARBAGE)('inspect %s', async (file) => {
    const r = await run(`inspect ${file}`);
    expectOneLine(r, 2);
    expect(r.stderr).toContain(file);
  });

  const issueWith = (flag: string, file: string) => {
    const files: Record<string, string> = {
      '--issuer-cert': 'pki/issuer.crt',
      '--issuer-key': 'pki/issuer.key',
      '--csr': 'csr.der',
    };
    files[flag] = file;
    return ['issue', ...Object.entries(files).flat(), '--identity', ID, '--out', 'never.crt'];
  };
  it.each([
    ...GARBAGE.flatMap((f) => [
      ['--issuer-key', f],
      ['--issuer-cert', f],
      ['--csr', f],
    ]),
    ['--issuer-key', 'pki/issuer.crt'],
    ['--issuer-cert', 'pki/issuer.key'],
    ['--csr', 'leaf.crt'],
  ])('issue %s %s', async (flag, file) => {
    const r = await run(issueWith(flag, file));
    expectOneLine(r, 2);
    expect(r.stderr).toContain(file);
    expect(existsSync(join(work, 'never.crt'))).toBe(false);
  });

  it.each([
    ...GARBAGE.map((f) => `verify --bundle ${f} --chain chain.crt`),
    ...GARBAGE.map((f) => `verify --bundle pki/ca.crt --chain ${f}`),
    'verify --bundle pki/ca.key --chain chain.crt',
    ...GARBAGE.map((f) => `check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key ${f}`),
    'check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key pki/issuer.crt',
    'check --anchors pki/issuer.key --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key',
    ...GARBAGE.map((f) => `schedule --cert ${f}`),
    'manifests configmap --anchors random.bin',
    'rotate issuer --anchor-cert pki/ca.crt --anchor-key pki/ca.crt',
    'rotate anchor --bundle empty',
  ])('%s', async (line) => {
    expectOneLine(await run(line), 2);
  });

  it('an unreadable file is reported, not thrown', async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    writeFileSync(join(work, 'locked.crt'), 'x');
    chmodSync(join(work, 'locked.crt'), 0);
    expectOneLine(await run('inspect locked.crt'), 2);
  });
});
