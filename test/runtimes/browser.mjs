// The browser page's script: bundled by esbuild with the `browser` condition, so `l5d-pki` is the
// WebCrypto build. Fetches the optional foreign chain, runs the scenario and posts the report back.
import * as lib from 'l5d-pki';
import { scenario } from './scenario.mjs';

async function main() {
  const res = await fetch('/foreign.json');
  const foreign = res.ok ? await res.json() : undefined;
  return scenario(lib, { foreign: foreign ?? undefined });
}

main()
  .catch((e) => ({ ok: false, checks: [{ name: 'page', ok: false, detail: String(e?.stack ?? e) }] }))
  .then((report) => fetch('/report', { method: 'POST', body: JSON.stringify(report) }));
