/**
 * Name constraints that cannot be fooled: URI SANs whose host parsers disagree on, directoryNames that
 * differ only in ways RFC 4518's preparation erases, and the dNSName constraint forms Go and OpenSSL
 * accept (a leading dot, the empty constraint).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VerifyResult, verifyChain } from '../src/verify';
import { uriHostForConstraints } from '../src/verify/constraints';
import { uriSanProblem } from '../src/verify/go-names';
import { OID } from '../src/x509/oids';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { gn, intermediate, leaf, type Minted, name, root, type Spec } from './verify-certs';

const AT = new Date('2026-03-01T12:00:00Z');
const O = '2.5.4.10';

function outcome(result: VerifyResult): string {
  return result.ok ? 'ok' : result.code;
}

/** A root, a name-constrained intermediate (`nc`), and a leaf under it made by `leafSpec`. */
function constrained(nc: Pick<Spec, 'permitted' | 'excluded'>, leafSpec: Spec, dns = 'leaf.example.com') {
  const anchor = root('NC Root');
  const issuer = intermediate(anchor, 'NC Issuer', nc);
  return { anchor, issuer, leaf: leaf(issuer, dns, leafSpec) };
}

async function verify(
  chain: { anchor: Minted; issuer: Minted; leaf: Minted },
  extra: { profile?: 'linkerd' | 'strict' } = {},
): Promise<string> {
  return outcome(
    await verifyChain({
      leaf: chain.leaf.der,
      intermediates: [chain.issuer.der],
      bundle: [chain.anchor.pem],
      at: AT,
      ...extra,
    }),
  );
}

const uriLeaf = (uri: string): Spec => ({ san: [gn.dns('leaf.example.com'), gn.uri(uri)] });

describe('URI SANs whose host cannot be read unambiguously', () => {
  const ambiguous = [
    'https://good.com\\@evil.com/x',
    'https://good.com\\evil.com/',
    'https://good.com /x',
    'https://good.com\t/x',
    'https://good.com\u007f/x',
    'https://good.com\u0000.evil.com/x',
    'https://%67ood.com/x',
    'https://good.com%/x',
    'https://[good.com/x',
    'https://good.com]/x',
    'https://[::1]/x',
    'https://10.0.0.1/x',
    'https://a@b@good.com/x',
    'https://us"er@good.com/x',
    'https://good.com:8o/x',
    'spiffe:///ns/a/sa/b',
    'https://:443/x',
    'urn:good.com',
  ];

  // A URI Go's crypto/x509 cannot parse is refused before any constraint is looked at.
  const refusal = (uri: string) => (uriSanProblem(uri) === undefined ? 'NAME_CONSTRAINTS' : 'MALFORMED');

  it.each(ambiguous)('%j slips past no excluded URI subtree', async (uri) => {
    expect(await verify(constrained({ excluded: [gn.uri('good.com')] }, uriLeaf(uri)))).toBe(refusal(uri));
    expect(await verify(constrained({ excluded: [gn.uri('evil.com')] }, uriLeaf(uri)))).toBe(refusal(uri));
  });

  it.each(ambiguous)('%j is admitted by no permitted URI subtree', async (uri) => {
    for (const c of ['good.com', 'evil.com', '.com', '']) {
      expect(await verify(constrained({ permitted: [gn.uri(c)] }, uriLeaf(uri)))).toBe(refusal(uri));
    }
  });

  it('reads strict RFC 3986 URIs by their host: userinfo, port, case, query and fragment', async () => {
    const permitted = { permitted: [gn.uri('good.com')] };
    for (const uri of [
      'https://user:pw@Good.COM:8443/x?q=1#f',
      'https://good.com',
      'https://good.com:/a%20b',
    ]) {
      expect(await verify(constrained(permitted, uriLeaf(uri)))).toBe('ok');
    }
    expect(await verify(constrained(permitted, uriLeaf('https://evil.com/x')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained({ excluded: [gn.uri('evil.com')] }, uriLeaf('https://good.com/x')))).toBe(
      'ok',
    );
  });

  it('SPIFFE IDs under a trust-domain constraint, `.domain` and the empty constraint', async () => {
    const id = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';
    expect(
      await verify(constrained({ permitted: [gn.uri('identity.linkerd.cluster.local')] }, uriLeaf(id))),
    ).toBe('ok');
    expect(await verify(constrained({ permitted: [gn.uri('.cluster.local')] }, uriLeaf(id)))).toBe('ok');
    expect(await verify(constrained({ permitted: [gn.uri('')] }, uriLeaf(id)))).toBe('ok');
    expect(await verify(constrained({ excluded: [gn.uri('')] }, uriLeaf(id)))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained({ permitted: [gn.uri('other.domain')] }, uriLeaf(id)))).toBe(
      'NAME_CONSTRAINTS',
    );
  });

  it('applies only when a URI constraint is there (RFC 5280: constraints bind their own form)', async () => {
    const chain = constrained({ permitted: [gn.dns('example.com')] }, uriLeaf('https://a@b@good.com/x'));
    expect(await verify(chain)).toBe('ok');
  });

  it('uriHostForConstraints', () => {
    expect(uriHostForConstraints('spiffe://Cluster.Local/ns/a/sa/b')).toEqual({ host: 'cluster.local' });
    expect(uriHostForConstraints('https://u:p@a.example:1/x')).toEqual({ host: 'a.example' });
    expect(uriHostForConstraints('https://good.com\\@evil.com/x')).toHaveProperty('reason');
    expect(uriHostForConstraints('https://a@b@c.com/')).toEqual({
      reason: 'has an ambiguous authority (several @)',
    });
    expect(uriHostForConstraints('https:///x')).toEqual({ reason: 'has an empty host' });
    expect(uriHostForConstraints('mailto:a@b.com')).toEqual({ reason: 'has no authority (scheme://host)' });
  });
});

describe('directoryName constraints compare as RFC 5280 §7.1 asks, or fail closed', () => {
  const dnLeaf = (rdns: [string, string][]): Spec => ({ subject: name(rdns) });
  // The strict profile processes directoryName constraints; the default one refuses them (below).
  const verifyDn = (chain: Parameters<typeof verify>[0]) => verify(chain, { profile: 'strict' });

  it('the default profile refuses them, as Go and rustls-webpki do', async () => {
    expect(await verify(constrained(excludedEvil, dnLeaf([[O, 'Good']])))).toBe('UNKNOWN_CRITICAL_EXTENSION');
    expect(await verifyDn(constrained(excludedEvil, dnLeaf([[O, 'Good']])))).toBe('ok');
  });
  const excludedEvil = { excluded: [gn.dn(name([[O, 'Evil']]))] };

  it.each([
    ['a zero-width space', 'Evi\u200bl'],
    ['a zero-width joiner', '\u200dEvil'],
    ['fullwidth letters', '\uff25\uff56\uff49\uff4c'],
    ['a soft hyphen', 'Ev\u00adil'],
    ['a combining mark', 'Evi\u0301l'],
    ['a tab', 'Evil\t'],
    ['a no-break space', 'Evil\u00a0'],
  ])('an excluded O=Evil is not bypassed with %s', async (_what, value) => {
    expect(
      await verifyDn(
        constrained(
          excludedEvil,
          dnLeaf([
            [O, value],
            [OID.commonName, 'x'],
          ]),
        ),
      ),
    ).toBe('NAME_CONSTRAINTS');
  });

  it('ASCII case and insignificant spaces are folded', async () => {
    for (const value of ['evil', 'EVIL', '  Evil ', 'Evil']) {
      expect(await verifyDn(constrained(excludedEvil, dnLeaf([[O, value]])))).toBe('NAME_CONSTRAINTS');
    }
    const spaced = { excluded: [gn.dn(name([[O, 'Evil Corp']]))] };
    expect(await verifyDn(constrained(spaced, dnLeaf([[O, 'evil   corp']])))).toBe('NAME_CONSTRAINTS');
    expect(await verifyDn(constrained(spaced, dnLeaf([[O, 'EvilCorp']])))).toBe('ok');
  });

  it('other names pass; non-ASCII outside the compared attributes does not matter', async () => {
    expect(await verifyDn(constrained(excludedEvil, dnLeaf([[O, 'Good']])))).toBe('ok');
    expect(
      await verifyDn(
        constrained(
          excludedEvil,
          dnLeaf([
            [O, 'Good'],
            [OID.commonName, '\u00fc\u200b'],
          ]),
        ),
      ),
    ).toBe('ok');
    expect(await verifyDn(constrained(excludedEvil, dnLeaf([[OID.commonName, 'Evi\u200bl']])))).toBe('ok');
  });

  it('fails closed on an undecidable value against an excluded subtree, even one that is no look-alike', async () => {
    expect(await verifyDn(constrained(excludedEvil, dnLeaf([[O, 'G\u00f6od']])))).toBe('NAME_CONSTRAINTS');
    const excludedUnicode = { excluded: [gn.dn(name([[O, '\uff25vil']]))] };
    expect(await verifyDn(constrained(excludedUnicode, dnLeaf([[O, 'Evil']])))).toBe('NAME_CONSTRAINTS');
  });

  it('a permitted subtree admits only what it provably contains', async () => {
    const permitted = { permitted: [gn.dn(name([[O, 'Good']]))] };
    expect(
      await verifyDn(
        constrained(
          permitted,
          dnLeaf([
            [O, 'good'],
            [OID.commonName, 'x'],
          ]),
        ),
      ),
    ).toBe('ok');
    expect(await verifyDn(constrained(permitted, dnLeaf([[O, '\uff27ood']])))).toBe('NAME_CONSTRAINTS');
    expect(await verifyDn(constrained(permitted, dnLeaf([[O, 'Go\u200bod']])))).toBe('NAME_CONSTRAINTS');
    const unicode = { permitted: [gn.dn(name([[O, 'G\u00f6od']]))] };
    expect(await verifyDn(constrained(unicode, dnLeaf([[O, 'G\u00f6od']])))).toBe('ok');
    expect(await verifyDn(constrained(unicode, dnLeaf([[O, 'G\u00d6OD']])))).toBe('NAME_CONSTRAINTS');
  });
});

describe('dNSName constraint forms Go and OpenSSL accept', () => {
  const dnsLeaf = (dns: string): Spec => ({ san: [gn.dns(dns)] });

  it('a leading dot means subdomains only', async () => {
    const permitted = { permitted: [gn.dns('.cluster.local')] };
    expect(await verify(constrained(permitted, dnsLeaf('web.ns.svc.cluster.local')))).toBe('ok');
    expect(await verify(constrained(permitted, dnsLeaf('a.CLUSTER.local')))).toBe('ok');
    expect(await verify(constrained(permitted, dnsLeaf('*.cluster.local')))).toBe('ok');
    expect(await verify(constrained(permitted, dnsLeaf('cluster.local')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained(permitted, dnsLeaf('evilcluster.local')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained(permitted, dnsLeaf('*.local')))).toBe('NAME_CONSTRAINTS');
    const excluded = { excluded: [gn.dns('.cluster.local')] };
    expect(await verify(constrained(excluded, dnsLeaf('a.cluster.local')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained(excluded, dnsLeaf('*.cluster.local')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained(excluded, dnsLeaf('cluster.local')))).toBe('ok');
    expect(await verify(constrained(excluded, dnsLeaf('*.local')))).toBe('ok');
    expect(await verify(constrained({ excluded: [gn.dns('cluster.local')] }, dnsLeaf('*.local')))).toBe(
      'NAME_CONSTRAINTS',
    );
  });

  it('is malformed under the strict profile, as RFC 5280 and x509-limbo read it', async () => {
    const chain = constrained({ permitted: [gn.dns('.cluster.local')] }, dnsLeaf('a.cluster.local'));
    expect(await verify(chain, { profile: 'strict' })).toBe('NAME_CONSTRAINTS');
  });

  it('the empty constraint is every DNS name', async () => {
    expect(await verify(constrained({ permitted: [gn.dns('')] }, dnsLeaf('anything.example')))).toBe('ok');
    expect(await verify(constrained({ permitted: [gn.dns('')] }, dnsLeaf('*.example')))).toBe('ok');
    expect(await verify(constrained({ excluded: [gn.dns('')] }, dnsLeaf('anything.example')))).toBe(
      'NAME_CONSTRAINTS',
    );
    const both = { permitted: [gn.dns('')], excluded: [gn.dns('bad.example')] };
    expect(await verify(constrained(both, dnsLeaf('a.bad.example')))).toBe('NAME_CONSTRAINTS');
    expect(await verify(constrained(both, dnsLeaf('good.example')))).toBe('ok');
  });

  it('still refuses malformed constraints', async () => {
    // `a..b` Go refuses to parse at all (MALFORMED); the others it reads, and they match no name.
    for (const [c, code] of [
      ['..cluster.local', 'NAME_CONSTRAINTS'],
      ['.', 'NAME_CONSTRAINTS'],
      ['a..b', 'MALFORMED'],
      ['-a.b', 'NAME_CONSTRAINTS'],
    ] as const) {
      expect(await verify(constrained({ permitted: [gn.dns(c)] }, dnsLeaf('a.cluster.local')))).toBe(code);
    }
  });
});

describe.skipIf(!hasOpenssl)('OpenSSL agrees', () => {
  let ssl: OpensslDir;
  beforeAll(() => {
    ssl = new OpensslDir('l5d-nc-hardening-');
  });
  afterAll(() => ssl?.cleanup());
  const attime = String(Math.floor(AT.getTime() / 1000));

  async function bothVerdicts(chain: { anchor: Minted; issuer: Minted; leaf: Minted }, tag: string) {
    const args = [
      'verify',
      '-attime',
      attime,
      '-CAfile',
      ssl.write(`${tag}-root.pem`, chain.anchor.pem),
      '-untrusted',
      ssl.write(`${tag}-issuer.pem`, chain.issuer.pem),
      ssl.write(`${tag}-leaf.pem`, chain.leaf.pem),
    ];
    return [(await verify(chain)) === 'ok', ssl.tryRun(args).status === 0];
  }

  it.each([
    [
      'permitted .cluster.local, a subdomain',
      { permitted: [gn.dns('.cluster.local')] },
      'a.cluster.local',
      true,
    ],
    [
      'permitted .cluster.local, the domain itself',
      { permitted: [gn.dns('.cluster.local')] },
      'cluster.local',
      false,
    ],
    [
      'excluded .cluster.local, the domain itself',
      { excluded: [gn.dns('.cluster.local')] },
      'cluster.local',
      true,
    ],
    [
      'excluded .cluster.local, a subdomain',
      { excluded: [gn.dns('.cluster.local')] },
      'a.cluster.local',
      false,
    ],
    ['permitted empty', { permitted: [gn.dns('')] }, 'anything.example', true],
    ['excluded empty', { excluded: [gn.dns('')] }, 'anything.example', false],
  ] as const)('%s', async (what, nc, dns, ok) => {
    const chain = constrained(nc, { san: [gn.dns(dns)] }, dns);
    expect(await bothVerdicts(chain, what.replace(/\W+/g, '-'))).toEqual([ok, ok]);
  });

  it('the backslash URI under an excluded good.com: OpenSSL reads evil.com and accepts, l5d-pki refuses', async () => {
    const chain = constrained({ excluded: [gn.uri('good.com')] }, uriLeaf('https://good.com\\@evil.com/x'));
    // A WHATWG parser reads good.com, so OpenSSL's reading is no reference here: l5d-pki refuses the URI
    // it cannot read unambiguously, as Go refuses to parse the certificate.
    expect(await bothVerdicts(chain, 'uri-backslash')).toEqual([false, true]);
  });
});
