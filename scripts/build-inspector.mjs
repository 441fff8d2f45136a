// Builds the inspector page (inspector/) into one self-contained HTML file, docs/inspector.html: the page
// script bundled from the package's universal ESM build (dist/index.js, WebCrypto), the style and the
// script inline, and a Content-Security-Policy that allows exactly those two and nothing else (no network).
//
//   node scripts/build-inspector.mjs [--out FILE]                 build (default docs/inspector.html)
//   node scripts/build-inspector.mjs --serve [--port N] [--out FILE]
//                                                              build, then serve it on 127.0.0.1
//                                                              (port 0, the default, picks a free one)
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's HTML, built from inspector/ and dist/index.js; with `fromSource`, from src/ instead (the
 * tests, which check the source as it is).
 */
export async function buildInspector({ fromSource = false } = {}) {
  if (!fromSource && !existsSync(join(root, 'dist/index.js')))
    throw new Error('dist/index.js is missing: npm run build first');
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['inspector/app.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    ...(fromSource ? { alias: { 'l5d-pki': join(root, 'src/index.ts') } } : {}),
  });
  // Inline, `</script` would end the element early; `<\/script` is the same text to JavaScript.
  const script = built.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1').trimEnd();
  const style = readFileSync(join(root, 'inspector/style.css'), 'utf8').trim();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const template = readFileSync(join(root, 'inspector/index.html'), 'utf8');
  const fill = { '{{CSP}}': csp, '{{STYLE}}': style, '{{SCRIPT}}': script };
  return { html: template.replace(/\{\{(CSP|STYLE|SCRIPT)\}\}/g, (m) => fill[m]), csp };
}

/** Serves `html` at / on 127.0.0.1; resolves with the server and its URL. */
export function serveInspector(html, csp, port = 0) {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (req.url === '/' || req.url === '/index.html' || req.url === '/inspector.html') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `${csp}; frame-ancestors 'none'`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${server.address().port}/` }),
    );
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(root, 'docs/inspector.html') },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port}: not a port`);
  const { html, csp } = await buildInspector();
  const out = resolve(values.out);
  writeFileSync(out, html);
  console.log(`wrote ${out} (${html.length} bytes; open it from disk, or serve it)`);
  if (values.serve) {
    const { url } = await serveInspector(html, csp, port);
    console.log(`inspector on ${url} (Ctrl-C stops it)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(`build-inspector: ${e.message}`);
    process.exit(1);
  });
}
