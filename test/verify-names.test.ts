import { describe, expect, it } from 'vitest';
import { verifyChain } from '../src/verify';
import { Budget, resolveBudget } from '../src/verify/budget';
import { nameConstraintsProblem } from '../src/verify/constraints';
import { formatIpAddress, inSubnet, isValidSubnet, parseIpAddress } from '../src/verify/ip';
import { dnsPatternMatches, parseReferenceName, sansMatch } from '../src/verify/names';
import { OID } from '../src/x509/oids';
import type { GeneralName, NameConstraints } from '../src/x509/types';
import { codeOf } from './helpers/pki';
import { AT, gn, intermediate, leaf, mint, name, root } from './verify-certs';

const bytes = (...b: number[]) => Uint8Array.from(b);
const v6 = (text: string) => Array.from(parseIpAddress(text) ?? []);

describe('IP addresses', () => {
  it('parses strict dotted-decimal IPv4', () => {
    expect(parseIpAddress('192.168.1.1')).toEqual(bytes(192, 168, 1, 1));
    for (const bad of ['192.168.001.001', '0xC0A80101', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-4', '']) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
  });

  it('parses IPv6 with :: compression, an IPv4 tail and either case', () => {
    expect(v6('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(v6('::')).toEqual(new Array(16).fill(0));
    expect(v6('2001:DB8::8A2E:370:7334')).toEqual(v6('2001:db8:0:0:0:8a2e:370:7334'));
    expect(v6('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(v6('2001:db8::1'));
    expect(v6('::ffff:192.0.2.1').slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    for (const bad of [
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'fe80::1%eth0',
      '1.2.3.4::',
      '::1:',
    ]) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
  });

  it('formats addresses as RFC 5952 text', () => {
    expect(formatIpAddress(bytes(10, 0, 0, 1))).toBe('10.0.0.1');
    expect(formatIpAddress(parseIpAddress('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIpAddress(parseIpAddress('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpAddress(parseIpAddress('::')!)).toBe('::');
  });

  it('matches subnets with contiguous masks of the same family', () => {
    const net = bytes(10, 1, 0, 0, 255, 255, 0, 0);
    expect(isValidSubnet(net)).toBe(true);
    expect(inSubnet(bytes(10, 1, 2, 3), net)).toBe(true);
    expect(inSubnet(bytes(10, 2, 0, 0), net)).toBe(false);
    expect(inSubnet(parseIpAddress('::a01:0203')!, net)).toBe(false);
    expect(isValidSubnet(bytes(10, 0, 0, 0, 255, 0, 255, 0))).toBe(false);
  });
});

describe('reference names and SAN matching', () => {
  it('classifies DNS names, IP literals and URIs, refusing anything else', () => {
    expect(parseReferenceName('Web.Example.COM')).toEqual({ type: 'dns', value: 'web.example.com' });
    expect(parseReferenceName('foo_bar.example.com').type).toBe('dns');
    expect(parseReferenceName('::1').type).toBe('ip');
    expect(parseReferenceName('spiffe://example.org/ns/a/sa/b')).toEqual({
      type: 'uri',
      value: 'spiffe://example.org/ns/a/sa/b',
    });
    // As Go's VerifyHostname, one trailing dot of a DNS name is dropped; two are refused.
    expect(parseReferenceName('Example.com.')).toEqual({ type: 'dns', value: 'example.com' });
    for (const bad of [
      '*.example.com',
      '192.168.001.001',
      'example.com..',
      '.',
      '',
      '-a.example.com',
      'a..b',
    ]) {
      expect(
        codeOf(() => parseReferenceName(bad)),
        bad,
      ).toBe('ERR_INVALID_ARGUMENT');
    }
  });

  it('matches a wildcard only as the whole leftmost label, case-insensitively', () => {
    expect(dnsPatternMatches('*.Example.com', 'foo.example.com')).toBe(true);
    expect(dnsPatternMatches('*.example.com', 'bar.foo.example.com')).toBe(false);
    expect(dnsPatternMatches('*.example.com', 'example.com')).toBe(false);
    for (const pattern of [
      'f*.example.com',
      'foo.*.example.com',
      '*',
      '*.',
      'xn--*-1b3c148a.example.com',
      '**.example.com',
    ]) {
      expect(dnsPatternMatches(pattern, 'foo.example.com'), pattern).toBe(false);
    }
    expect(dnsPatternMatches('foo_bar.example.com', 'foo_bar.example.com')).toBe(false);
  });

  it('matches IPs by bytes, never against DNS SANs, and URIs by exact text', () => {
    const sans: GeneralName[] = [
      { type: 'dns', value: '8.8.8.8' },
      { type: 'ip', value: parseIpAddress('2001:db8::1')! },
      { type: 'uri', value: 'spiffe://example.org/web' },
    ];
    expect(sansMatch(sans, parseReferenceName('8.8.8.8'))).toBe(false);
    expect(sansMatch(sans, parseReferenceName('2001:DB8:0::1'))).toBe(true);
    expect(sansMatch(sans, parseReferenceName('spiffe://example.org/web'))).toBe(true);
    expect(sansMatch(sans, parseReferenceName('spiffe://example.org/Web'))).toBe(false);
    expect(sansMatch(undefined, parseReferenceName('example.com'))).toBe(false);
  });
});

describe('name constraints', () => {
  const budget = () => new Budget(resolveBudget(undefined));
  const check = (nc: NameConstraints, ...names: GeneralName[]) =>
    nameConstraintsProblem(nc, names, budget())?.code ?? 'ok';
  const dns = (value: string): GeneralName => ({ type: 'dns', value });
  const email = (value: string): GeneralName => ({ type: 'email', value });
  const uri = (value: string): GeneralName => ({ type: 'uri', value });
  const permit = (...permitted: GeneralName[]): NameConstraints => ({ permitted, excluded: undefined });
  const exclude = (...excluded: GeneralName[]): NameConstraints => ({ permitted: undefined, excluded });

  it('DNS: a constraint covers the name and its subdomains, case-insensitively', () => {
    expect(check(permit(dns('example.com')), dns('EXAMPLE.com'), dns('a.b.example.com'))).toBe('ok');
    expect(check(permit(dns('example.com')), dns('notexample.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(dns('bad.example.com')), dns('x.bad.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(dns('bad.example.com')), dns('good.example.com'))).toBe('ok');
    expect(check(permit(dns('example.com')), { type: 'ip', value: bytes(1, 2, 3, 4) })).toBe('ok');
  });

  it('DNS: a wildcard SAN must fit a permitted subtree whole and miss every excluded one', () => {
    expect(check(permit(dns('foo.com')), dns('*.foo.com'))).toBe('ok');
    expect(check(permit(dns('foo.example.com')), dns('*.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(dns('bar.example.com')), dns('*.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(dns('a.bar.example.com')), dns('*.example.com'))).toBe('ok');
  });

  it('DNS: malformed constraints and SANs fail instead of being skipped', () => {
    // A leading dot is Go's and OpenSSL's subdomains-only form by default; malformed under the strict profile.
    expect(check(permit(dns('.example.com')), dns('a.example.com'))).toBe('ok');
    expect(check(permit(dns('.example.com')), dns('example.com'))).toBe('NAME_CONSTRAINTS');
    expect(
      nameConstraintsProblem(permit(dns('.example.com')), [dns('a.example.com')], budget(), true)?.code,
    ).toBe('NAME_CONSTRAINTS');
    expect(check(permit(dns('..example.com')), dns('a.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(dns('*.example.com')), dns('a.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(dns('example.com')), dns('.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(dns('example.com')), dns('under_score.example.com'))).toBe('NAME_CONSTRAINTS');
  });

  it('IP: address and mask, IPv4 and IPv6 apart', () => {
    const net4: GeneralName = { type: 'ip', value: bytes(192, 0, 2, 0, 255, 255, 255, 0) };
    const ip = (text: string): GeneralName => ({ type: 'ip', value: parseIpAddress(text)! });
    expect(check(permit(net4), ip('192.0.2.77'))).toBe('ok');
    expect(check(permit(net4), ip('192.0.3.1'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(net4), ip('::ffff:192.0.2.77'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(net4), ip('192.0.2.1'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit({ type: 'ip', value: bytes(10, 0, 0, 0, 255, 0, 255, 0) }), ip('10.0.0.1'))).toBe(
      'NAME_CONSTRAINTS',
    );
  });

  it('email: mailbox, host and .domain forms, with literal characters', () => {
    expect(check(permit(email('foo@example.com')), email('foo@EXAMPLE.com'))).toBe('ok');
    expect(check(permit(email('foo@example.com')), email('Foo@example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(email('example.com')), email('anyone@example.com'))).toBe('ok');
    expect(check(permit(email('example.com')), email('a@sub.example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(email('.example.com')), email('a@sub.example.com'))).toBe('ok');
    expect(check(permit(email('.example.com')), email('a@example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(email('*@example.com')), email('user@example.com'))).toBe('NAME_CONSTRAINTS');
    expect(check(permit(email('*@example.com')), email('*@example.com'))).toBe('ok');
    expect(check(permit(email('invalid@invalid@example.com')), email('a@example.com'))).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(check(permit(email('example.com')), email('bad@address@example.com'))).toBe('NAME_CONSTRAINTS');
  });

  it('URI: the host of the URI, so a SPIFFE ID is constrained by its trust domain', () => {
    expect(check(permit(uri('cluster.local')), uri('spiffe://cluster.local/ns/a/sa/b'))).toBe('ok');
    expect(check(permit(uri('cluster.local')), uri('spiffe://evil.local/ns/a/sa/b'))).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(check(permit(uri('.example.org')), uri('https://user@a.example.org:8443/x'))).toBe('ok');
    expect(check(permit(uri('.example.org')), uri('https://example.org/'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(uri('evil.local')), uri('spiffe://evil.local/x'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(uri('evil.local')), uri('urn:uuid:1234'))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(uri('evil.local')), uri('https://[::1]/'))).toBe('NAME_CONSTRAINTS');
  });

  it('directoryName: a prefix of RDNs, ignoring case and extra spaces', () => {
    const dn = (...rdns: [string, string][]): GeneralName => ({
      type: 'dn',
      value: {
        der: new Uint8Array(),
        rdns: rdns.map(([oid, value]) => [{ oid, tag: 12, value }]),
        commonName: undefined,
      },
    });
    const org = dn(['2.5.4.10', 'Example  Org']);
    expect(check(permit(org), dn(['2.5.4.10', 'example org'], [OID.commonName, 'x']))).toBe('ok');
    expect(check(permit(org), dn(['2.5.4.10', 'Other'], [OID.commonName, 'x']))).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(org), dn(['2.5.4.10', 'EXAMPLE ORG']))).toBe('NAME_CONSTRAINTS');
  });

  it('refuses names of a form it cannot evaluate when constrained, and ignores such constraints otherwise', () => {
    const other: GeneralName = { type: 'other', tag: 0xa0, der: new Uint8Array() };
    expect(check(exclude(other), other)).toBe('NAME_CONSTRAINTS');
    expect(check(exclude(other), dns('example.com'))).toBe('ok');
  });

  it('gives up with BUDGET_EXCEEDED on a quadratic blow-up', () => {
    const constraints = permit(...Array.from({ length: 1100 }, (_, i) => dns(`x${i}.test`)), dns('ok.test'));
    const names = Array.from({ length: 1000 }, (_, i) => dns(`n${i}.ok.test`));
    const small = new Budget(resolveBudget({ maxNameConstraintChecks: 100_000 }));
    expect(nameConstraintsProblem(constraints, names, small)?.code).toBe('BUDGET_EXCEEDED');
  });
});

describe('name constraints on a path', () => {
  async function constrained(
    spec: Parameters<typeof intermediate>[2],
    leafSan: Uint8Array[],
    leafSpec = {},
    profile: 'linkerd' | 'strict' = 'linkerd',
  ) {
    const anchor = root();
    const issuer = intermediate(anchor, 'Constrained', spec);
    const peer = leaf(issuer, 'x', { san: leafSan, ...leafSpec });
    const result = await verifyChain({
      leaf: peer.pem,
      intermediates: [issuer.pem],
      bundle: anchor.pem,
      at: AT,
      profile,
    });
    return result.ok ? 'ok' : result.code;
  }

  it('constrains the leaf SANs of every form', async () => {
    expect(await constrained({ permitted: [gn.dns('example.com')] }, [gn.dns('a.example.com')])).toBe('ok');
    expect(await constrained({ permitted: [gn.dns('example.com')] }, [gn.dns('a.example.net')])).toBe(
      'NAME_CONSTRAINTS',
    );
    expect(
      await constrained({ excluded: [gn.ip([10, 0, 0, 0, 255, 0, 0, 0])] }, [gn.ip([10, 1, 2, 3])]),
    ).toBe('NAME_CONSTRAINTS');
    expect(
      await constrained({ permitted: [gn.uri('cluster.local')] }, [
        gn.uri('spiffe://cluster.local/ns/a/sa/b'),
      ]),
    ).toBe('ok');
    expect(
      await constrained({ permitted: [gn.uri('cluster.local')] }, [gn.uri('spiffe://other.local/ns/a/sa/b')]),
    ).toBe('NAME_CONSTRAINTS');
    expect(await constrained({ excluded: [gn.email('example.com')] }, [gn.email('a@example.com')])).toBe(
      'NAME_CONSTRAINTS',
    );
  });

  it('constrains the subject as a directoryName (strict profile), and its emailAddress as an rfc822Name', async () => {
    const subject = name([
      ['2.5.4.10', 'Acme'],
      [OID.emailAddress, 'a@evil.com'],
    ]);
    const permitAcme = { permitted: [gn.dn(name([['2.5.4.10', 'Acme']]))] };
    expect(await constrained(permitAcme, [gn.dns('a.example.com')], { subject }, 'strict')).toBe('ok');
    expect(await constrained(permitAcme, [gn.dns('a.example.com')], { subject })).toBe(
      'UNKNOWN_CRITICAL_EXTENSION',
    );
    expect(
      await constrained(
        { permitted: [gn.dn(name([['2.5.4.10', 'Other']]))] },
        [gn.dns('a.example.com')],
        { subject },
        'strict',
      ),
    ).toBe('NAME_CONSTRAINTS');
    expect(
      await constrained({ excluded: [gn.email('evil.com')] }, [gn.dns('a.example.com')], { subject }),
    ).toBe('NAME_CONSTRAINTS');
  });

  it('constrains intermediates below too, except self-issued ones', async () => {
    const anchor = root('Root', { permitted: [gn.dns('example.com')] });
    const outside = intermediate(anchor, 'Outside', { san: [gn.dns('other.net')] });
    const peer = leaf(outside, 'a.example.com');
    const result = await verifyChain({
      leaf: peer.pem,
      intermediates: [outside.pem],
      bundle: anchor.pem,
      at: AT,
    });
    expect(!result.ok && [result.code, result.certIndex]).toEqual(['NAME_CONSTRAINTS', 1]);
    const selfIssued = mint({ cn: 'Root', ca: true, issuer: anchor, san: [gn.dns('other.net')] });
    const viaSelfIssued = await verifyChain({
      leaf: leaf(selfIssued, 'a.example.com').pem,
      intermediates: [selfIssued.pem],
      bundle: anchor.pem,
      at: AT,
    });
    expect(viaSelfIssued.ok && viaSelfIssued.path.length).toBe(3);
  });
});
