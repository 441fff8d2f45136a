// The quickstart, end to end through the built `l5d-pki` command: init → csr → issue → verify → check.
// Usage: node scripts/demo.mjs [DIR]   (after `npm run build`; `npm run demo` does both)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first (or `npm run demo`)');
  process.exit(2);
}

const out = process.argv[2] ?? 'pki-demo';
const at = (name) => join(out, name);
const identity = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

const steps = [
  ['init', '--out', out, '--force'],
  ['csr', '--identity', identity, '--key-out', at('key.p8'), '--csr-out', at('csr.der'), '--force'],
  [
    'issue',
    ...['--issuer-cert', at('issuer.crt'), '--issuer-key', at('issuer.key'), '--csr', at('csr.der')],
    ...['--identity', identity, '--out', at('leaf.crt'), '--chain-out', at('chain.crt'), '--force'],
  ],
  ['verify', '--bundle', at('ca.crt'), '--chain', at('chain.crt'), '--identity', identity],
  ['check', '--anchors', at('ca.crt'), '--issuer-cert', at('issuer.crt'), '--issuer-key', at('issuer.key')],
];

for (const args of steps) {
  console.log(`\n$ l5d-pki ${args.map(quote).join(' ')}`);
  const { status } = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
