// The scenario on `require('l5d-pki')`: Node's `node` + `require` conditions, the CommonJS build.
const lib = require('l5d-pki');

(async () => {
  const { scenario } = await import('./scenario.mjs');
  const foreign = process.argv[2] ? JSON.parse(process.argv[2]) : undefined;
  const report = await scenario(lib, { foreign });
  report.resolved = require.resolve('l5d-pki');
  console.log(`RESULT ${JSON.stringify(report)}`);
})();
