// Runs test/runtimes/scenario.mjs on the built package in every runtime l5d-pki supports, each through
// the package's own exports map: Node ESM (`node` + `import` → dist/node.js), Node CJS (`node` +
// `require` → dist/node.cjs), Deno (`deno` → dist/index.js), Bun (`bun` → dist/index.js) and headless
// Chromium (an esbuild bundle with the `browser` condition → dist/index.js).
//
// Each runtime also verifies the chain the previous one issued (node:crypto signatures checked by
// WebCrypto and back), and all must mint byte-identical certificates from the same seed.
//
//   node scripts/test-runtimes.mjs [runtime...]     e.g. `node scripts/test-runtimes.mjs deno chromium`
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium). Tests dist as it is (builds it only when
// missing). Exits non-zero when any runtime fails.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const here = (...p) => join(root, ...p);
const TIMEOUT_MS = 60_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const quiet = { NO_COLOR: '1', DO_NOT_TRACK: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' };

// ---- the built package ---------------------------------------------------------------------------

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist when it is missing; says so when it is older than src (CI builds it just before). */
async function ensureBuilt() {
  const outputs = ['dist/index.js', 'dist/index.cjs', 'dist/node.js', 'dist/node.cjs'].map((f) => here(f));
  if (outputs.every((f) => existsSync(f))) {
    if (Math.min(...outputs.map((f) => statSync(f).mtimeMs)) < newestMtime(here('src'))) {
      console.log('note: dist is older than src; `npm run build` to test the current source');
    }
    return;
  }
  console.log('dist is missing: building');
  const built = await run('npm', ['run', '--silent', 'build'], { timeout: 300_000, inherit: true });
  if (built.code !== 0) throw new Error(`npm run build failed (exit ${built.code})`);
}

// ---- processes -----------------------------------------------------------------------------------

/** Runs a command; resolves with its exit code and output (never rejects). */
function run(cmd, args, { timeout = TIMEOUT_MS, inherit = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...quiet },
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n(timed out after ${timeout / 1000} s)`;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The report a runner printed as its `RESULT <json>` line. */
function reportOf(out) {
  const line = out.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no report (exit ${out.code})${tail(out.stderr || out.stdout)}`);
  return JSON.parse(line.slice('RESULT '.length));
}

const tail = (text) => (text.trim() ? `\n      ${text.trim().split('\n').slice(-8).join('\n      ')}` : '');

/** Whether `file` starts with `#!` or is plain text (a launcher stub left when postinstall did not run). */
function isScript(file) {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4);
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  return head[0] === 0x23 || /^[\x20-\x7e]{4}$/.test(head.toString('latin1'));
}

/**
 * Bun's binary. The `bun` package's postinstall puts it in bin/bun.exe; when install scripts were
 * skipped that file is a stub, and the binary is taken from the platform package directly.
 */
function bunBinary() {
  const launcher = here('node_modules/bun/bin/bun.exe');
  if (existsSync(launcher) && !isScript(launcher)) return launcher;
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
  for (const variant of ['', '-baseline', '-musl', '-musl-baseline']) {
    const bin = here('node_modules/@oven', `bun-${process.platform}-${arch}${variant}`, 'bin/bun');
    if (existsSync(bin)) return bin;
  }
  throw new Error('no bun binary: run npm ci (the bun devDependency)');
}

// ---- runtimes ------------------------------------------------------------------------------------

const foreignArg = (foreign) => (foreign ? [JSON.stringify(foreign)] : []);

const runtimes = [
  {
    name: 'node-esm',
    backend: 'node',
    resolved: 'dist/node.js',
    run: async (foreign) =>
      reportOf(await run(process.execPath, ['test/runtimes/run.mjs', ...foreignArg(foreign)])),
  },
  {
    name: 'deno',
    backend: 'webcrypto',
    resolved: 'dist/index.js',
    // No permission flags: the scenario reads, writes, and reaches nothing.
    run: async (foreign) =>
      reportOf(
        await run(process.execPath, [
          here('node_modules/deno/bin.cjs'),
          'run',
          '--no-prompt',
          'test/runtimes/run.mjs',
          ...foreignArg(foreign),
        ]),
      ),
  },
  {
    name: 'bun',
    backend: 'webcrypto',
    resolved: 'dist/index.js',
    run: async (foreign) =>
      reportOf(await run(bunBinary(), ['test/runtimes/run.mjs', ...foreignArg(foreign)])),
  },
  { name: 'chromium', backend: 'webcrypto', resolved: 'dist/index.js', run: runChromium },
  {
    name: 'node-cjs',
    backend: 'node',
    resolved: 'dist/node.cjs',
    run: async (foreign) =>
      reportOf(await run(process.execPath, ['test/runtimes/run.cjs', ...foreignArg(foreign)])),
  },
];

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>l5d-pki</title><script type="module" src="/app.js"></script>';

/** Bundles the page script for browsers, serves it on 127.0.0.1 and runs it in headless Chromium. */
async function runChromium(foreign) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['test/runtimes/browser.mjs'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const app = built.outputFiles[0].text;
  const inputs = Object.keys(built.metafile.inputs);

  let deliver;
  const reported = new Promise((resolve) => {
    deliver = resolve;
  });
  const server = createServer((req, res) => {
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'POST' && req.url === '/report') {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        send(204, 'text/plain', '');
        deliver(body);
      });
    } else if (req.url === '/') send(200, 'text/html', PAGE);
    else if (req.url === '/app.js') send(200, 'text/javascript', app);
    else if (req.url === '/foreign.json' && foreign) send(200, 'application/json', JSON.stringify(foreign));
    else send(404, 'text/plain', 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'l5d-chromium-'));
  const errors = [];
  let context;
  let timer;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT_MS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: TIMEOUT_MS });
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no report within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    });
    const report = JSON.parse(await Promise.race([reported, timeout]));
    const node = inputs.filter((f) => /^dist\/node\./.test(f));
    report.resolved = node.length || !inputs.includes('dist/index.js') ? inputs.join(', ') : 'dist/index.js';
    return report;
  } catch (e) {
    throw new Error(`${e.message}${tail(errors.join('\n'))}`);
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// ---- judging -------------------------------------------------------------------------------------

/** Whether the built package exports `verifyChain` (the scenario then must have used it). */
function exportsVerifyChain() {
  const dts = readFileSync(here('dist/index.d.ts'), 'utf8');
  return /\bverifyChain\b/.test(dts.slice(dts.lastIndexOf('export {')));
}

/** What is wrong with `report` from runtime `rt`, as a list of sentences (empty when it passed). */
function problems(rt, report, { reference, foreign }) {
  const out = [];
  for (const c of report.checks ?? [])
    if (!c.ok) out.push(`check "${c.name}" failed${c.detail ? `: ${c.detail}` : ''}`);
  if (!report.ok && out.length === 0) out.push('the scenario reported failure');
  if (report.backend !== rt.backend) out.push(`backend is ${report.backend}, expected ${rt.backend}`);
  if (!String(report.resolved ?? '').endsWith(rt.resolved)) {
    out.push(`l5d-pki resolved to ${report.resolved}, expected ${rt.resolved}`);
  }
  if (exportsVerifyChain() && report.verifiedWith !== 'verifyChain') {
    out.push(`verified with ${report.verifiedWith}, not the package's verifyChain`);
  }
  if (foreign && !report.checks?.some((c) => c.name.startsWith('verify a leaf issued by'))) {
    out.push(`did not verify the chain issued by ${foreign.by}`);
  }
  const mine = JSON.stringify(report.deterministic);
  if (reference && mine !== JSON.stringify(reference.deterministic)) {
    out.push(
      `seeded issuance differs from ${reference.name}: ${mine} vs ${JSON.stringify(reference.deterministic)}`,
    );
  }
  return out;
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !runtimes.some((r) => r.name === w));
  if (unknown.length) {
    console.error(`unknown runtime ${unknown.join(', ')}; known: ${runtimes.map((r) => r.name).join(', ')}`);
    process.exit(2);
  }
  await ensureBuilt();

  const selected = runtimes.filter((r) => wanted.length === 0 || wanted.includes(r.name));
  const results = [];
  let reference;
  let foreign;
  const started = Date.now();
  for (const rt of selected) {
    const t0 = Date.now();
    let report;
    let issues;
    try {
      report = await rt.run(foreign);
      issues = problems(rt, report, { reference, foreign });
    } catch (e) {
      issues = [e.message];
    }
    const ms = Date.now() - t0;
    const ok = issues.length === 0;
    results.push({ name: rt.name, ok });
    const where = String(report?.resolved ?? '?')
      .replace(/^file:\/\//, '')
      .replace(`${root}/`, '');
    const what = report ? `${report.runtime}, backend ${report.backend}, ${where}` : 'no report';
    const via = report?.verifiedWith ? `, verified with ${report.verifiedWith}` : '';
    console.log(`${ok ? 'PASS' : 'FAIL'} ${rt.name.padEnd(9)} ${what}${via} (${ms} ms)`);
    for (const issue of issues) console.log(`     - ${issue}`);
    if (report?.deterministic && !reference)
      reference = { name: rt.name, deterministic: report.deterministic };
    if (report?.ok && report.issued?.chainPem) foreign = { ...report.issued, by: rt.name };
  }
  const passed = results.filter((r) => r.ok).length;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nruntimes: ${passed} of ${results.length} passed in ${secs} s`);
  process.exit(passed === results.length ? 0 : 1);
}

main().catch((e) => {
  console.error(`test-runtimes: ${e.message}`);
  process.exit(1);
});
