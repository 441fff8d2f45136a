// Browser weight of l5d-pki: bundles small apps against the built package (dist, `browser` condition)
// with esbuild (platform browser, ESM, minified, tree-shaken), gzips them, and writes the
// "## Browser bundle size" section of docs/performance.md (the rest of that file is left as it is).
//
//   node scripts/size.mjs            measure, print, update docs/performance.md
//   node scripts/size.mjs --check    the same, and exit 1 when the verification app is over budget
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(root, 'docs/performance.md');
const HEADING = '## Browser bundle size';
/** Budget for an app that only verifies chains, gzipped. */
const BUDGET = 25 * 1024;

if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('dist/index.js is missing: npm run build first');
  process.exit(1);
}
const dts = readFileSync(join(root, 'dist/index.d.ts'), 'utf8');
const hasVerifyChain = /\bverifyChain\b/.test(dts.slice(dts.lastIndexOf('export {')));
const verifier = hasVerifyChain ? 'verifyChain' : 'parseCertificate';

const apps = [
  {
    id: 'a',
    name: 'everything',
    code: "import * as all from 'l5d-pki';\nglobalThis.l5d = all;",
    show: '`import * as all from "l5d-pki"` (every export kept)',
  },
  {
    id: 'b',
    name: verifier,
    code: `import { ${verifier} } from 'l5d-pki';\nglobalThis.l5d = ${verifier};`,
    show: `\`import { ${verifier} } from "l5d-pki"\``,
    budget: BUDGET,
  },
];

/**
 * Bundles `code` as an app would. Returns the bytes the page loads up front (the entry and the chunks it
 * imports statically), the bytes behind dynamic `import()`s, and per-origin minified bytes up front.
 */
async function measure(code) {
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    splitting: true,
    outdir: join(root, '.tmp/size'),
    entryNames: 'app',
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const { outputs } = result.metafile;
  const entry = Object.keys(outputs).find((o) => /(^|\/)app\.js$/.test(o));
  const eager = new Set();
  const visit = (out) => {
    if (eager.has(out)) return;
    eager.add(out);
    for (const i of outputs[out].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  const sizes = { min: 0, gz: 0, lazyMin: 0, lazyGz: 0 };
  for (const file of result.outputFiles) {
    const out = relative(root, file.path).split(sep).join('/');
    if (!out.endsWith('.js')) continue;
    const gz = gzipSync(file.contents, { level: 9 }).length;
    if (eager.has(out)) {
      sizes.min += file.contents.length;
      sizes.gz += gz;
    } else {
      sizes.lazyMin += file.contents.length;
      sizes.lazyGz += gz;
    }
  }
  const by = new Map();
  for (const out of eager) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[out].inputs)) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const key = m ? m[1] : input.startsWith('dist/') ? 'l5d-pki' : input;
      by.set(key, (by.get(key) ?? 0) + bytesInOutput);
    }
  }
  const parts = [...by.entries()].filter(([k, n]) => n > 0 && k !== 'app.js').sort((x, y) => y[1] - x[1]);
  return { ...sizes, parts };
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
const rows = [];
let over = false;
for (const app of apps) {
  const m = await measure(app.code);
  const parts = m.parts;
  const fits = app.budget === undefined || m.gz <= app.budget;
  if (!fits) over = true;
  rows.push({ ...app, ...m, parts, fits });
  console.log(
    `(${app.id}) ${app.name}: ${kB(m.min)} min, ${kB(m.gz)} min+gz` +
      (m.lazyGz ? ` (+ ${kB(m.lazyGz)} gz loaded only without WebCrypto)` : '') +
      (app.budget ? ` — budget ${kB(app.budget)}: ${fits ? 'ok' : 'OVER'}` : ''),
  );
  console.log(`    ${parts.map(([k, v]) => `${k} ${kB(v)}`).join(', ')}`);
}

const esbuildVersion = esbuild.version;
const section = [
  HEADING,
  '',
  `What a browser app pays, measured by \`node scripts/size.mjs\` on the built package: esbuild ${esbuildVersion}`,
  '(`platform: browser`, ESM, minified, tree-shaken, code splitting on) and gzip level 9. Sizes are what',
  'the page loads up front; code behind a dynamic `import()` (the @noble/curves backend, loaded only where',
  'WebCrypto is missing) is listed apart.',
  '',
  '| app | minified | min + gzip | lazy chunks (gzip) | budget |',
  '| --- | ---: | ---: | ---: | --- |',
  ...rows.map(
    (r) =>
      `| (${r.id}) ${r.show} | ${kB(r.min)} | ${kB(r.gz)} | ${r.lazyGz ? kB(r.lazyGz) : '—'} | ${
        r.budget ? `≤ ${kB(r.budget)}: ${r.fits ? 'met' : '**over**'}` : '—'
      } |`,
  ),
  '',
  'Minified bytes loaded up front, by origin, largest first:',
  '',
  ...rows.map(
    (r) =>
      `- (${r.id}) ${r.parts
        .slice(0, 6)
        .map(([k, v]) => `${k} ${kB(v)}`)
        .join(', ')}`,
  ),
  '',
];
if (!hasVerifyChain) {
  section.push(
    '(b) measures `parseCertificate` because the built package does not export `verifyChain` yet.',
    '',
  );
}
const text = section.join('\n');

let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
const start = doc.indexOf(`${HEADING}\n`);
if (start === -1) {
  doc = doc ? `${doc.replace(/\n*$/, '\n\n')}${text}` : text;
} else {
  const next = doc.slice(start + HEADING.length).search(/\n## /);
  const end = next === -1 ? doc.length : start + HEADING.length + next + 1;
  doc = `${doc.slice(0, start)}${text}${doc.slice(end).replace(/^\n*/, '\n')}`.replace(/\n+$/, '\n');
}
writeFileSync(DOC, doc);
console.log(`updated ${HEADING.slice(3)} in docs/performance.md`);
if (over && process.argv.includes('--check')) process.exit(1);
