// DNS name matching against Go's crypto/x509: random dNSName SANs (wildcards in every position, case,
// trailing dots, empty labels, underscores, punycode, characters a name may not hold) in otherwise valid
// leaves, each verified for a random reference name. Every pair l5d-pki accepts, Go must accept too: a
// wrong match is a workload taken for another.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPkiError } from '../src/errors';
import { verifyChain } from '../src/verify';
import { runGo, verifyWithGo } from './helpers/go';
import { AT, gn, leaf, root } from './verify-certs';

const SEED = 20_261_209;
const RUNS = 4000;

const LABELS = [
  'web',
  'Web',
  'shop',
  'svc',
  'xn--bcher-kva',
  'a_b',
  'a-b',
  '-a',
  'a-',
  '1',
  '*',
  'w*',
  '*b',
  'a*b',
  '**',
  '',
];
const SUFFIXES = ['cluster.local', 'Cluster.Local', 'local', 'identity.linkerd.cluster.local'];
const ODD = [' ', '\t', '@', '/', ':', '%', '\\', '\x00', '\x7f', '.'];

const label = fc.oneof(
  { arbitrary: fc.constantFrom(...LABELS), weight: 8 },
  { arbitrary: fc.constantFrom(...ODD).map((c) => `a${c}b`), weight: 1 },
);
const dnsName = fc
  .tuple(
    fc.array(label, { minLength: 0, maxLength: 3 }),
    fc.constantFrom(...SUFFIXES),
    fc.constantFrom('', '', '', '.'),
  )
  .map(([labels, suffix, dot]) => [...labels, suffix].join('.') + dot);
/** A SAN and a name, related more often than chance would relate them. */
const pair = fc.oneof(
  fc.tuple(dnsName, dnsName),
  dnsName.chain((name) =>
    fc.tuple(
      fc.constantFrom(name, name.toUpperCase(), `*.${name.split('.').slice(1).join('.')}`, `${name}.`),
      fc.constant(name),
    ),
  ),
  dnsName.chain((san) =>
    fc.tuple(fc.constant(san), fc.constantFrom(san, san.replace('*', 'web'), `x.${san}`)),
  ),
);

describe.skipIf(!runGo)("DNS name matching against Go's crypto/x509", () => {
  it('finds no SAN and name l5d-pki matches and Go does not', async () => {
    const anchor = root('root.linkerd.cluster.local');
    const pairs = fc.sample(pair, { seed: SEED, numRuns: RUNS });
    const leaves = pairs.map(([san]) => leaf(anchor, 'leaf', { san: [gn.dns(san)] }));
    const go = verifyWithGo(
      pairs.map(([, name], i) => ({
        id: `name-${i}`,
        roots: [anchor.der],
        intermediates: [],
        leaf: leaves[i]!.der,
        name,
        usage: 'server' as const,
        at: AT,
      })),
    );
    const wrongMatches: string[] = [];
    let matched = 0;
    for (const [i, [san, name]] of pairs.entries()) {
      const ok = await verifyChain({
        leaf: leaves[i]!.der,
        bundle: [anchor.der],
        at: AT,
        usage: 'server',
        name,
      }).then(
        (r) => r.ok,
        (e: unknown) => {
          if (isPkiError(e, 'ERR_INVALID_ARGUMENT')) return false; // a name l5d-pki will not match at all
          throw e;
        },
      );
      if (ok) matched++;
      if (ok && !go[i]!.ok)
        wrongMatches.push(`SAN ${JSON.stringify(san)} for ${JSON.stringify(name)}: Go ${go[i]!.err}`);
    }
    expect(wrongMatches).toEqual([]);
    expect(matched).toBeGreaterThan(RUNS / 10);
  });
});
