// Keys and certificates as operators have them: `--format pem|der` on the commands that write them
// (read back by OpenSSL in each format), encrypted issuer keys read with `--password-file` by issue,
// check and manifests (and refused without it), encrypted keys written by init, and `-` as stdout
// holding only the data.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { isPkiError } from '../src/errors';
import { decryptPrivateKey, encryptPrivateKey, generateKeyPair, importPrivateKey } from '../src/keys';
import { cliScript } from './helpers/cli-run';
import { hasOpenssl, OPENSSL } from './helpers/openssl';
import { codeOfAsync, WEB_IDENTITY as ID } from './helpers/pki';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'tr0ub4dor-and-3';

let script = '';
let made: string | undefined;
let work = '';

interface Run {
  readonly status: number;
  /** stdout as bytes: DER must come through unchanged. */
  readonly out: Buffer;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `l5d-pki args` (a string is split on spaces) in the work directory. */
function run(args: string | readonly string[]): Promise<Run> {
  const argv = typeof args === 'string' ? args.split(' ').filter((a) => a !== '') : [...args];
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [script, ...argv],
      { cwd: work, maxBuffer: 16 << 20, encoding: 'buffer' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        done({
          status: typeof code === 'number' ? code : -1,
          out: stdout,
          stdout: stdout.toString('utf8'),
          stderr: stderr.toString('utf8'),
        });
      },
    );
    child.stdin?.end();
  });
}

/** Runs `l5d-pki args` and requires exit 0. */
async function ok(args: string | readonly string[]): Promise<Run> {
  const r = await run(args);
  expect(r.status, `${String(args)}: ${r.stderr}`).toBe(0);
  return r;
}

/** Runs `openssl args` in the work directory, `input` on its stdin. */
function openssl(args: string, input?: Uint8Array | string): { status: number; out: Buffer; stderr: string } {
  const r = spawnSync(OPENSSL, args.split(' '), {
    cwd: work,
    input,
    env: { ...process.env, OPENSSL_CONF: '/dev/null' },
  });
  return { status: r.status ?? -1, out: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** `openssl args`, which must exit 0; its stdout as text. */
function ossl(args: string, input?: Uint8Array | string): string {
  const r = openssl(args, input);
  expect(r.status, `openssl ${args}: ${r.stderr}`).toBe(0);
  return r.out.toString('utf8');
}

const read = (path: string) => readFileSync(join(work, path));
const isPem = (bytes: Buffer, label: string) =>
  bytes.toString('latin1').startsWith(`-----BEGIN ${label}-----\n`);

/** The one `l5d-pki: …` line of a failure, which must exit `status`; the password is never in it. */
function failure(r: Run, status: number): string {
  expect(r.status, r.stderr).toBe(status);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^l5d-pki: /);
  expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  expect(r.stderr + r.stdout).not.toContain(WRONG);
  return lines[0]!;
}

beforeAll(async () => {
  ({ script, made } = await cliScript());
  work = mkdtempSync(join(tmpdir(), 'l5d-pki-formats-'));
  writeFileSync(join(work, 'pass.txt'), `${PASSWORD}\n`);
  writeFileSync(join(work, 'wrong.txt'), `${WRONG}\n`);
  await ok('init --out pki');
  // The same hierarchy's keys encrypted: by l5d-pki (init) and by OpenSSL (PBKDF2 and scrypt).
  await ok('init --out enc --password-file pass.txt');
  if (hasOpenssl) {
    ossl(
      'pkcs8 -topk8 -in pki/issuer.key -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout file:pass.txt -out issuer-pbkdf2.key',
    );
    ossl('pkcs8 -topk8 -in pki/issuer.key -scrypt -passout file:pass.txt -out issuer-scrypt.key');
    ossl('pkcs8 -topk8 -in pki/ca.key -v2 aes-128-cbc -passout file:pass.txt -outform DER -out ca-enc.der');
  }
  await ok(`csr --identity ${ID} --key-out w.key --csr-out w.csr`);
}, 60_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
  if (made !== undefined) rmSync(made, { recursive: true, force: true });
});

describe.skipIf(!hasOpenssl)('csr --format', () => {
  it('writes PEM for .pem names without --format, and OpenSSL reads both files as PEM', async () => {
    const r = await ok(`csr --identity ${ID} --key-out k.pem --csr-out c.pem`);
    expect(r.stdout).toContain('(PKCS#8 PEM, mode 0600)');
    expect(isPem(read('k.pem'), 'PRIVATE KEY')).toBe(true);
    expect(isPem(read('c.pem'), 'CERTIFICATE REQUEST')).toBe(true);
    ossl('req -inform pem -in c.pem -verify -noout');
    const fromKey = ossl('pkey -in k.pem -inform pem -pubout');
    const fromCsr = ossl('req -inform pem -in c.pem -noout -pubkey');
    expect(fromKey).toBe(fromCsr);
    expect(ossl('pkcs8 -inform pem -in k.pem -nocrypt')).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('keeps DER for other names, and --format overrides the name either way', async () => {
    await ok(`csr --identity ${ID} --key-out d.p8 --csr-out d.der`);
    expect(read('d.p8')[0]).toBe(0x30);
    expect(read('d.der')[0]).toBe(0x30);
    ossl('req -inform der -in d.der -verify -noout');
    expect(ossl('pkcs8 -inform der -in d.p8 -nocrypt')).toContain('-----BEGIN PRIVATE KEY-----');

    await ok(`csr --identity ${ID} --key-out forced.pem --csr-out forced.pem.csr --format der`);
    expect(read('forced.pem')[0]).toBe(0x30);
    ossl('req -inform der -in forced.pem.csr -verify -noout');
    ossl('pkey -inform der -in forced.pem -noout');

    await ok(`csr --identity ${ID} --key-out p.p8 --csr-out p.der --format pem`);
    expect(isPem(read('p.p8'), 'PRIVATE KEY')).toBe(true);
    ossl('req -inform pem -in p.der -verify -noout');
  });

  it('refuses a --format other than pem or der before writing anything (exit 2)', async () => {
    const line = failure(await run(`csr --identity ${ID} --key-out x.pem --csr-out y.pem --format p12`), 2);
    expect(line).toContain('must be pem or der');
    expect(existsSync(join(work, 'x.pem'))).toBe(false);
  });

  it('with --key-out -, stdout holds only the DER key and the summary goes to stderr', async () => {
    const r = await ok(`csr --identity ${ID} --key-out - --csr-out s1.pem`);
    expect(r.stderr).toContain('wrote stdout (PKCS#8 DER)');
    expect(r.stderr).toContain('public key sha256');
    // The bytes on stdout are exactly one PKCS#8 key, the one the CSR is for.
    const key = importPrivateKey(new Uint8Array(r.out));
    expect(Buffer.from(key.exportPkcs8()).equals(r.out)).toBe(true);
    const fromKey = ossl('pkey -inform der -pubout', r.out);
    expect(fromKey).toBe(ossl('req -in s1.pem -noout -pubkey'));
  });

  it('with --csr-out - --format pem, stdout is the PEM CSR alone, also with --json', async () => {
    const r = await ok(`csr --identity ${ID} --key-out s2.key --csr-out - --format pem`);
    expect(r.stdout).toMatch(
      /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]*-----END CERTIFICATE REQUEST-----\n$/,
    );
    ossl('req -inform pem -verify -noout', r.out);
    expect(r.stderr).toContain('and stdout (PEM)');
    const j = await ok(`csr --identity ${ID} --key-out s3.key --csr-out - --json`);
    expect(j.out[0]).toBe(0x30);
    ossl('req -inform der -verify -noout', j.out);
    expect(JSON.parse(j.stderr)).toMatchObject({ csrFile: '-', csrFormat: 'der', keyFormat: 'pem' });
  });
});

describe.skipIf(!hasOpenssl)('init --format and --password-file', () => {
  it('writes four DER files with --format der, which OpenSSL reads as DER', async () => {
    const r = await ok('init --out derpki --format der --json');
    const summary = JSON.parse(r.stdout) as { format: string; warnings: string[] };
    expect(summary.format).toBe('der');
    expect(summary.warnings.join(' ')).toContain('linkerd install reads PEM');
    for (const f of ['ca.crt', 'issuer.crt']) {
      expect(read(`derpki/${f}`)[0]).toBe(0x30);
      ossl(`x509 -inform der -in derpki/${f} -noout`);
    }
    ossl('x509 -inform der -in derpki/ca.crt -out derpki/ca.pem');
    ossl('x509 -inform der -in derpki/issuer.crt -out derpki/issuer.pem');
    expect(ossl('verify -CAfile derpki/ca.pem derpki/issuer.pem')).toContain('OK');
    for (const f of ['ca', 'issuer']) {
      expect(ossl(`pkcs8 -inform der -in derpki/${f}.key -nocrypt`)).toContain('BEGIN PRIVATE KEY');
      const pub = ossl(`pkey -inform der -in derpki/${f}.key -pubout`);
      expect(pub).toBe(ossl(`x509 -inform der -in derpki/${f}.crt -noout -pubkey`));
    }
  });

  it('writes the keys encrypted with --password-file; OpenSSL decrypts them with the password only', async () => {
    for (const f of ['ca', 'issuer']) {
      expect(isPem(read(`enc/${f}.key`), 'ENCRYPTED PRIVATE KEY')).toBe(true);
      const plain = ossl(`pkcs8 -inform pem -in enc/${f}.key -passin file:pass.txt`);
      expect(plain).toContain('-----BEGIN PRIVATE KEY-----');
      const pub = ossl(`pkey -in enc/${f}.key -passin file:pass.txt -pubout`);
      expect(pub).toBe(ossl(`x509 -in enc/${f}.crt -noout -pubkey`));
      expect(openssl(`pkcs8 -inform pem -in enc/${f}.key -passin file:wrong.txt`).status).not.toBe(0);
      expect(read(`enc/${f}.key`).toString()).not.toContain(PASSWORD);
    }
    const r = await ok('init --out encder --format der --password-file pass.txt');
    expect(r.stdout).toContain('keys encrypted');
    expect(r.stderr).toContain('decrypt it for the install');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const pub = ossl('pkey -inform der -in encder/issuer.key -passin file:pass.txt -pubout');
    expect(pub).toBe(ossl('x509 -inform der -in encder/issuer.crt -noout -pubkey'));
    expect(ossl('pkcs8 -inform der -in encder/ca.key -passin file:pass.txt')).toContain('BEGIN PRIVATE KEY');
  });
});

describe.skipIf(!hasOpenssl)('issue --format and --out -', () => {
  const ISSUE = `issue --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --csr w.csr --identity ${ID}`;

  it('writes a DER leaf with --format der, PEM by default', async () => {
    await ok(`${ISSUE} --out leaf.der --format der`);
    expect(read('leaf.der')[0]).toBe(0x30);
    expect(ossl('x509 -inform der -in leaf.der -noout -subject')).toContain(ID);
    await ok(`${ISSUE} --out leaf.pem`);
    expect(isPem(read('leaf.pem'), 'CERTIFICATE')).toBe(true);
    ossl('x509 -inform pem -in leaf.pem -noout');
    // By the name alone: .der is DER; other names keep PEM, the default.
    await ok(`${ISSUE} --out named.der`);
    ossl('x509 -inform der -in named.der -noout');
    await ok(`${ISSUE} --out named.cert`);
    ossl('x509 -inform pem -in named.cert -noout');
  });

  it('refuses --chain-out with --format der (a chain is PEM)', async () => {
    const line = failure(await run(`${ISSUE} --out l2.der --chain-out c2.pem --format der`), 2);
    expect(line).toContain('--chain-out');
    expect(existsSync(join(work, 'l2.der'))).toBe(false);
    await ok(`${ISSUE} --out l3.crt --chain-out c3.pem --format pem`);
  });

  it('with --out -, stdout is the leaf alone (PEM or DER) and the summary is on stderr', async () => {
    const p = await ok(`${ISSUE} --out -`);
    expect(p.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]*-----END CERTIFICATE-----\n$/);
    expect(p.stderr).toContain('wrote stdout (PEM)');
    expect(ossl('x509 -inform pem -noout -subject', p.out)).toContain(ID);
    const d = await ok(`${ISSUE} --out - --format der --json`);
    expect(ossl('x509 -inform der -noout -subject', d.out)).toContain(ID);
    expect(JSON.parse(d.stderr)).toMatchObject({ leafFile: '-', format: 'der' });
  });
});

describe.skipIf(!hasOpenssl)('encrypted issuer and anchor keys with --password-file', () => {
  const keys = ['enc/issuer.key', 'issuer-pbkdf2.key', 'issuer-scrypt.key'];

  it.each(keys)('issue reads %s with --password-file; the leaf verifies', async (key) => {
    const certs = key === 'enc/issuer.key' ? 'enc' : 'pki';
    const out = `leaf-${key.replace(/\W/g, '-')}.crt`;
    await ok(
      `issue --issuer-cert ${certs}/issuer.crt --issuer-key ${key} --password-file pass.txt --csr w.csr --identity ${ID} --out ${out} --chain-out chain-${out}`,
    );
    expect(ossl(`verify -CAfile ${certs}/ca.crt -untrusted ${certs}/issuer.crt ${out}`)).toContain('OK');
  });

  it.each(keys)('issue refuses %s without --password-file, and with a wrong one (exit 2)', async (key) => {
    const certs = key === 'enc/issuer.key' ? 'enc' : 'pki';
    const base = `issue --issuer-cert ${certs}/issuer.crt --issuer-key ${key} --csr w.csr --identity ${ID} --out never.crt`;
    expect(failure(await run(base), 2)).toContain('is encrypted; give its password with --password-file');
    const wrong = failure(await run(`${base} --password-file wrong.txt`), 2);
    expect(wrong).toContain('wrong password');
    expect(wrong).toMatch(/\[ERR_KEY_PASSWORD\]$/);
    expect(existsSync(join(work, 'never.crt'))).toBe(false);
  });

  it('check reads an encrypted issuer key with --password-file, and refuses it without', async () => {
    const base = 'check --anchors pki/ca.crt --issuer-cert pki/issuer.crt --issuer-key issuer-scrypt.key';
    const r = await ok(`${base} --password-file pass.txt`);
    expect(r.stdout).not.toContain('×');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(failure(await run(base), 2)).toContain('--password-file');
    expect(failure(await run(`${base} --password-file wrong.txt`), 2)).toMatch(/\[ERR_KEY_PASSWORD\]$/);
    const own = 'check --anchors enc/ca.crt --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key';
    await ok(`${own} --password-file pass.txt --json`);
  });

  it('manifests secret, helm and cert-manager read encrypted keys and write them unencrypted', async () => {
    const plain = (
      await decryptPrivateKey(read('enc/issuer.key').toString(), { password: PASSWORD })
    ).exportPkcs8Pem();
    const secret = await ok(
      'manifests secret --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key --anchors enc/ca.crt --password-file pass.txt',
    );
    const doc = parseAllDocuments(secret.stdout)[0]!.toJS() as { data: Record<string, string> };
    expect(Buffer.from(doc.data['key.pem']!, 'base64').toString()).toBe(plain);
    expect(secret.stdout).not.toContain('ENCRYPTED');

    const helm = await ok(
      'manifests helm --anchors enc/ca.crt --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key --password-file pass.txt',
    );
    const values = parseAllDocuments(helm.stdout)[0]!.toJS() as {
      identity: { issuer: { tls: { keyPEM: string } } };
    };
    expect(values.identity.issuer.tls.keyPEM.trim()).toBe(plain.trim());

    const cm = await ok(
      'manifests cert-manager --anchor-cert pki/ca.crt --anchor-key ca-enc.der --password-file pass.txt',
    );
    const anchorPlain = read('pki/ca.key').toString();
    const anchorSecret = parseAllDocuments(cm.stdout)
      .map((d) => d.toJS() as { kind: string; data?: Record<string, string> })
      .find((d) => d.kind === 'Secret')!;
    const written = Buffer.from(anchorSecret.data!['tls.key']!, 'base64').toString();
    expect(importPrivateKey(written).publicKey.equals(importPrivateKey(anchorPlain).publicKey)).toBe(true);

    const anchorMode = await ok(
      'manifests secret --anchor-cert enc/ca.crt --anchor-key enc/ca.key --password-file pass.txt',
    );
    expect(anchorMode.stdout).toContain('kubernetes.io/tls');
    expect(anchorMode.stdout + anchorMode.stderr).not.toContain(PASSWORD);
  });

  it.each([
    'manifests secret --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key --anchors enc/ca.crt',
    'manifests helm --anchors enc/ca.crt --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key',
    'manifests cert-manager --anchor-cert pki/ca.crt --anchor-key ca-enc.der',
    'manifests secret --anchor-cert enc/ca.crt --anchor-key enc/ca.key',
  ])('%s: refused without --password-file and with a wrong one (exit 2)', async (line) => {
    expect(failure(await run(line), 2)).toContain('--password-file');
    const wrong = await run(`${line} --password-file wrong.txt`);
    expect(failure(wrong, 2)).toMatch(/\[ERR_KEY_PASSWORD\]$/);
    expect(wrong.stdout).toBe('');
  });
});

describe.skipIf(!hasOpenssl)('the code of an encrypted key read without --password-file', () => {
  it.each([
    `issue --issuer-cert pki/issuer.crt --issuer-key issuer-pbkdf2.key --csr w.csr --identity ${ID} --out never.crt`,
    'check --anchors enc/ca.crt --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key',
    'manifests helm --anchors enc/ca.crt --issuer-cert enc/issuer.crt --issuer-key enc/issuer.key',
  ])('%s: ERR_KEY_PASSWORD, as for a wrong password', async (line) => {
    expect(failure(await run(line), 2)).toMatch(/\[ERR_KEY_PASSWORD\]$/);
  });
});

describe('the library on encrypted keys', () => {
  it('importPrivateKey points to decryptPrivateKey and --password-file, for PEM and DER', async () => {
    const key = await generateKeyPair();
    const enc = await encryptPrivateKey(key, { password: PASSWORD, iterations: 1000 });
    for (const input of [enc.pem, enc.der]) {
      let caught: unknown;
      try {
        importPrivateKey(input);
      } catch (e) {
        caught = e;
      }
      expect(isPkiError(caught, 'ERR_KEY_UNSUPPORTED'), String(caught)).toBe(true);
      expect((caught as Error).message).toContain('decryptPrivateKey');
      expect((caught as Error).message).toContain('--password-file');
    }
  });

  it('a wrong password is ERR_KEY_PASSWORD, a damaged structure stays ERR_KEY_INVALID', async () => {
    const key = await generateKeyPair();
    const enc = await encryptPrivateKey(key, { password: PASSWORD, iterations: 1000 });
    expect(await codeOfAsync(() => decryptPrivateKey(enc.pem, { password: WRONG }))).toBe('ERR_KEY_PASSWORD');
    expect(await codeOfAsync(() => decryptPrivateKey(enc.der.subarray(0, 40), { password: PASSWORD }))).toBe(
      'ERR_KEY_INVALID',
    );
  });
});
