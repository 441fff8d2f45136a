import { describe, expect, it } from 'vitest';
import { verifyChain } from '../src/verify';
import { AT, gn, leaf, root } from './verify-certs';

const anchor = root();

/** The verdict under the strict profile, which holds these rules (the default one reads no commonName). */
async function serverCode(
  cn: string,
  san: Uint8Array,
  name: string,
  profile: 'linkerd' | 'strict' = 'strict',
): Promise<string> {
  const cert = leaf(anchor, 'unused.example', { cn, san: [san] });
  const result = await verifyChain({
    leaf: cert.der,
    bundle: [anchor.der],
    at: AT,
    usage: 'server',
    name,
    profile,
  });
  return result.ok ? 'OK' : result.code;
}

describe('server commonName encoding (CA/Browser Forum BR 7.1.4.3, strict profile)', () => {
  it.each([
    ['0xC0A80101', [192, 168, 1, 1], '192.168.1.1'],
    ['192.168.001.001', [192, 168, 1, 1], '192.168.1.1'],
    ['3232235777', [192, 168, 1, 1], '192.168.1.1'],
  ])('refuses the IPv4 commonName %s written non-canonically', async (cn, bytes, name) => {
    expect(await serverCode(cn, gn.ip(bytes), name)).toBe('PROFILE_VIOLATION');
  });

  const v6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
  it.each(['2001:DB8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'])(
    'refuses the IPv6 commonName %s not in RFC 5952 form',
    async (cn) => {
      expect(await serverCode(cn, gn.ip(v6), '2001:db8::1')).toBe('PROFILE_VIOLATION');
    },
  );

  it('refuses a Unicode domain name and a case-only copy of a SAN', async () => {
    expect(await serverCode('test-測試.com', gn.dns('xn--test--wg5h0h.com'), 'xn--test--wg5h0h.com')).toBe(
      'PROFILE_VIOLATION',
    );
    expect(await serverCode('Example.COM', gn.dns('example.com'), 'example.com')).toBe('PROFILE_VIOLATION');
  });

  it('accepts canonical addresses, exact copies and commonNames that name nothing', async () => {
    expect(await serverCode('192.168.1.1', gn.ip([192, 168, 1, 1]), '192.168.1.1')).toBe('OK');
    expect(await serverCode('2001:db8::1', gn.ip(v6), '2001:db8::1')).toBe('OK');
    expect(await serverCode('example.com', gn.dns('example.com'), 'example.com')).toBe('OK');
    expect(await serverCode('Web Server', gn.dns('example.com'), 'example.com')).toBe('OK');
    expect(await serverCode('other.example.com', gn.dns('example.com'), 'example.com')).toBe('OK');
  });

  it('applies to server validation only', async () => {
    const cert = leaf(anchor, 'unused.example', { cn: 'Example.COM', san: [gn.dns('example.com')] });
    const result = await verifyChain({
      leaf: cert.der,
      bundle: [anchor.der],
      at: AT,
      usage: 'client',
      profile: 'strict',
    });
    expect(result.ok).toBe(true);
  });

  it('is not part of the default profile (Go and rustls-webpki do not read the commonName)', async () => {
    expect(await serverCode('192.168.001.001', gn.ip([192, 168, 1, 1]), '192.168.1.1', 'linkerd')).toBe('OK');
    expect(await serverCode('Example.COM', gn.dns('example.com'), 'example.com', 'linkerd')).toBe('OK');
  });
});
