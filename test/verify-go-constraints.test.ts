// Name-constraint values against Go's crypto/x509, which refuses to parse a certificate whose
// constraints it cannot read: random dNSName, rfc822Name and URI constraints and IPv6 subnets, each
// excluded by an issuer over a leaf with a name of another form (an IPv4 address, or for a subnet a DNS
// name), so that no constraint applies to it and only the parse decides. Go and l5d-pki must give the
// same verdict on every one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameConstraintValuesProblem } from '../src/verify/go-names';
import { compareVerdicts, runGo } from './helpers/go';
import { AT, gn, intermediate, leaf, root } from './verify-certs';

const SEED = 20_261_208;
const RUNS = 4000;
const ADDRESS = '10.0.0.1';
const DNS = 'web.cluster.local';

const text = (alphabet: readonly string[], maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((cs) => cs.join(''));
/** Domain-like text: mostly letters and dots, sometimes what a domain may not hold. */
const domainish = text([...'abcz09-_*', '.', '.', ...' @:/"\\', '\x00', '\x7f'], 12);
const domain = fc.oneof(
  fc.constantFrom('cluster.local', '.cluster.local', '..cluster.local', '', '.', 'a..b', 'a.', '.a.'),
  domainish,
);
const local = fc.oneof(
  fc.constantFrom('a', 'a.b', '.a', 'a.', 'a..b', '"a b"', '""', '"a\\"b"', '"a', 'a\\@b', 'a\\', '"\\\x00"'),
  text([...'ab.!#$%&*+/=?^_`{|}~', '"', '\\', ' ', '(', ','], 8),
);
const mailbox = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);
const ipLike = fc.constantFrom(
  '1.2.3.4',
  '01.2.3.4',
  '1.2.3',
  '256.1.1.1',
  '::',
  '::1',
  '1::2:3:4:5:6:7',
  '1:2:3:4:5:6:7:8',
  '::ffff:1.2.3.4',
  'fe80::1%eth0',
  '[::1]',
);
/** A mask: a prefix, or bytes that are not one. */
const mask = fc.oneof(
  fc
    .integer({ min: 0, max: 128 })
    .map((bits) =>
      Array.from({ length: 16 }, (_, i) => (0xff00 >> Math.min(8, Math.max(0, bits - 8 * i))) & 0xff),
    ),
  fc.array(fc.constantFrom(0x00, 0xff, 0x80, 0xfe, 0x7f, 0x01, 0xf0), { minLength: 16, maxLength: 16 }),
);
const constraint = fc.oneof(
  domain.map((d) => gn.dns(d)),
  fc.oneof(mailbox, domain).map((e) => gn.email(e)),
  fc.oneof(domain, ipLike).map((u) => gn.uri(u)),
  mask.map((m) => gn.ip([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0), ...m])),
);

describe.skipIf(!runGo)("name-constraint values against Go's crypto/x509", () => {
  it('refuses a constraint exactly when Go cannot parse it', async () => {
    const anchor = root('root.linkerd.cluster.local');
    const samples = fc.sample(constraint, { seed: SEED, numRuns: RUNS });
    const chains = samples.map((c) => {
      const issuer = intermediate(anchor, 'identity.linkerd.cluster.local', { excluded: [c] });
      // A subnet applies to addresses: its leaf has only a DNS name; every other form, only an address.
      const name = c[0] === 0x87 ? DNS : ADDRESS;
      const san = name === DNS ? gn.dns(DNS) : gn.ip([10, 0, 0, 1]);
      return { issuer, name, leaf: leaf(issuer, name, { san: [san] }) };
    });
    const { disagreements, refused } = await compareVerdicts(
      chains.map((c) => ({
        label: JSON.stringify(c.issuer.cert.nameConstraints?.excluded?.[0]),
        anchor: anchor.der,
        intermediates: [c.issuer.der],
        leaf: c.leaf.der,
        name: c.name,
        at: AT,
      })),
    );
    expect(disagreements).toEqual([]);
    expect(refused).toBeGreaterThan(chains.length / 10);
    expect(chains.length - refused).toBeGreaterThan(chains.length / 10);
  });

  it('names what it refuses', () => {
    const excluded = (c: Parameters<typeof nameConstraintValuesProblem>[0]['permitted']) => ({
      permitted: undefined,
      excluded: c,
    });
    expect(nameConstraintValuesProblem(excluded([{ type: 'dns', value: '.cluster.local' }]))).toBeUndefined();
    expect(nameConstraintValuesProblem(excluded([{ type: 'dns', value: 'a..b' }]))).toBe(
      'dNSName constraint "a..b" is not a domain',
    );
    expect(nameConstraintValuesProblem(excluded([{ type: 'uri', value: '10.0.0.1' }]))).toBe(
      'URI constraint "10.0.0.1" is an IP address',
    );
    expect(nameConstraintValuesProblem(excluded([{ type: 'email', value: 'a..b@linkerd.io' }]))).toBe(
      'rfc822Name constraint "a..b@linkerd.io" is neither a mailbox nor a domain',
    );
    expect(
      nameConstraintValuesProblem(
        excluded([{ type: 'ip', value: Uint8Array.of(10, 0, 0, 0, 0x7f, 0, 0, 0) }]),
      ),
    ).toBe('iPAddress constraint 10.0.0.0/127.0.0.0 has a mask that is not a prefix');
  });
});
