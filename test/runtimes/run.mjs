// Runs the scenario on `l5d-pki` as this runtime resolves it through the package's exports map
// (Node: the `node` condition; Deno: `deno`; Bun: `bun`), and prints one `RESULT <json>` line.
// The optional argument is a JSON `{ chainPem, bundlePem, identity, by }` issued elsewhere, to verify here.
import * as lib from 'l5d-pki';
import { scenario } from './scenario.mjs';

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const foreign = args[0] ? JSON.parse(args[0]) : undefined;
const report = await scenario(lib, { foreign });
report.resolved = import.meta.resolve('l5d-pki');
console.log(`RESULT ${JSON.stringify(report)}`);
