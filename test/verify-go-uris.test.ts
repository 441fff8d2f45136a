// URI subjectAltNames against Go's crypto/x509: Go parses each with net/url when it parses a certificate
// and refuses the certificate when it cannot, and l5d-pki's profile refuses exactly those. Random URIs,
// built from schemes, authorities (userinfo, hosts, IPv6 literals and zones, ports), paths, queries
// and fragments with the characters and escapes net/url treats differently, and raw ASCII strings, each
// in a valid leaf: Go and l5d-pki must give the same verdict on every one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uriSanProblem } from '../src/verify/go-names';
import { compareVerdicts, runGo } from './helpers/go';
import { AT, gn, leaf, root } from './verify-certs';

const SEED = 20_261_206;
const RUNS = 6000;
const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';

/** Characters net/url reads differently in one part of a URI or another, and a few it never allows. */
const SPECIAL = [...':/?#[]@!$&\'()*+,;=%-._~ "<>\\^`{|}', '\x00', '\x1f', '\x7f', '\t'];

const text = (alphabet: readonly string[], maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((cs) => cs.join(''));
const LETTERS = [...'abcxyzAZ019'];
const piece = text([...LETTERS, ...LETTERS, ...SPECIAL], 10);
const percentEscape = fc
  .tuple(fc.constantFrom(...'0123456789abcdefABCDEFgz%'), fc.constantFrom(...'0123456789abcdefABCDEFgz'))
  .map(([a, b]) => `%${a}${b}`);
const part = fc
  .array(fc.oneof({ arbitrary: piece, weight: 4 }, { arbitrary: percentEscape, weight: 1 }), { maxLength: 3 })
  .map((ps) => ps.join(''));

/** What a host may hold, and what it may not (`/`, `?`, `#` and `@` end it, so they are not here). */
const HOST_MAY = [...LETTERS, ...LETTERS, ...'.-_~!$&\'()*+,;=:[]<>"'];
const HOST_MAY_NOT = [...' |^`{}\\', '\x7f'];
const hostName = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...HOST_MAY), weight: 12 },
      { arbitrary: fc.constantFrom(...HOST_MAY_NOT), weight: 1 },
      { arbitrary: percentEscape, weight: 1 },
    ),
    { maxLength: 12 },
  )
  .map((cs) => cs.join(''));
const ipv6 = fc
  .record({
    address: fc.constantFrom('::1', 'fe80::1', '', 'a|b'),
    zone: fc.constantFrom(
      '',
      '%25eth0',
      '%25',
      '%25a%20b',
      '%25%2f',
      '%25%41',
      '%25%c3',
      '%zz',
      '%25|',
      '%2',
    ),
    close: fc.constantFrom(']', ']', ''),
    tail: fc.constantFrom('', '', ':8443', ':', 'x', ':x', ']', '%41'),
  })
  .map((h) => `[${h.address}${h.zone}${h.close}${h.tail}`);
const host = fc.oneof(
  fc.constantFrom('cluster.local', 'identity.linkerd.cluster.local', 'example.com', '', '.a', 'a.', 'a..b'),
  ipv6,
  hostName,
  part,
);
/** Mostly nothing, so that the other parts decide the verdict; sometimes `arbitrary`. */
function sometimes(arbitrary: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary, weight: 1 });
}

const uri = fc.oneof(
  { arbitrary: text([...Array.from({ length: 128 }, (_, c) => String.fromCharCode(c))], 16), weight: 1 },
  {
    arbitrary: fc
      .record({
        scheme: fc.constantFrom('spiffe:', 'https:', 'a1+.-:', '1a:', ':', 'sp ace:', ''),
        slashes: fc.constantFrom('//', '///', '/', ''),
        userinfo: sometimes(part.map((u) => `${u}@`)),
        host,
        port: fc.constantFrom('', ':', ':8443', ':x', '::1'),
        path: fc.oneof(fc.constant('/ns/shop/sa/web'), sometimes(part.map((p) => `/${p}`))),
        query: sometimes(part.map((q) => `?${q}`)),
        fragment: sometimes(part.map((f) => `#${f}`)),
      })
      .map((u) => u.scheme + u.slashes + u.userinfo + u.host + u.port + u.path + u.query + u.fragment),
    weight: 5,
  },
);

describe.skipIf(!runGo)("URI subjectAltNames against Go's crypto/x509", () => {
  it('refuses a URI SAN exactly when Go cannot parse it', async () => {
    const anchor = root('root.linkerd.cluster.local');
    const uris = [...new Set(fc.sample(uri, { seed: SEED, numRuns: RUNS }))];
    const leaves = uris.map((u) => leaf(anchor, IDENTITY, { san: [gn.dns(IDENTITY), gn.uri(u)] }));
    const { disagreements, refused } = await compareVerdicts(
      leaves.map((l, i) => ({
        label: JSON.stringify(uris[i]),
        anchor: anchor.der,
        intermediates: [],
        leaf: l.der,
        name: IDENTITY,
        at: AT,
      })),
    );
    expect(disagreements).toEqual([]);
    // Both verdicts are well represented.
    expect(refused).toBeGreaterThan(uris.length / 10);
    expect(uris.length - refused).toBeGreaterThan(uris.length / 10);
  });

  it('names what it refuses', () => {
    expect(uriSanProblem('spiffe://cluster.local/ns/shop/sa/web')).toBeUndefined();
    expect(uriSanProblem('spiffe://cluster|local/ns/shop/sa/web')).toBe(
      'a character or escape a host may not hold',
    );
    expect(uriSanProblem('spiffe://cluster.local/ns/%zz')).toBe('a malformed escape in the path');
    expect(uriSanProblem('spiffe://a..b/x')).toBe('a host that is not a domain');
    expect(uriSanProblem('https://example.com:x/')).toBe('an invalid port');
    expect(uriSanProblem('a\u0000')).toBe('a control character');
    expect(uriSanProblem('#%')).toBe('a malformed escape in the fragment');
    expect(uriSanProblem(':x')).toBe('a colon with no scheme before it');
    expect(uriSanProblem('a/b:c')).toBeUndefined();
    expect(uriSanProblem('1a:b')).toBe('a colon in the first path segment');
  });
});
