import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  decodePem,
  decodePemBlock,
  encodePem,
} from '../src/pem';
import { codeOf } from './helpers/pki';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

describe('base64', () => {
  it('round-trips every length against Node', () => {
    for (let n = 0; n < 70; n++) {
      const b = bytes(n);
      expect(base64Encode(b)).toBe(Buffer.from(b).toString('base64'));
      expect(base64Decode(base64Encode(b))).toEqual(b);
      expect(base64UrlEncode(b)).toBe(Buffer.from(b).toString('base64url'));
      expect(base64UrlDecode(base64UrlEncode(b))).toEqual(b);
    }
  });

  it.each(['QQ', 'QQ=', 'Q===', 'QR==', 'QUI*', 'QU I=', 'QUJD\n'])('refuses %j', (s) => {
    expect(codeOf(() => base64Decode(s))).toBe('ERR_BASE64');
  });
});

describe('PEM', () => {
  const der1 = bytes(100);
  const der2 = bytes(7);

  it('encodes 64-character lines and decodes several blocks in order', () => {
    const text = encodePem('CERTIFICATE', der1) + encodePem('PRIVATE KEY', der2);
    expect(text.split('\n').every((l) => l.length <= 64)).toBe(true);
    expect(decodePem(text)).toEqual([
      { label: 'CERTIFICATE', der: der1 },
      { label: 'PRIVATE KEY', der: der2 },
    ]);
  });

  it('writes the base64 Node writes, in 64-character lines, for every 12-bit value and every tail length', () => {
    // Each 3-byte group holds one 12-bit value twice, so every value goes through both halves.
    const groups = Uint8Array.from({ length: 3 * 4096 }, (_, i) => {
      const v = Math.floor(i / 3);
      const n = (v << 12) | v;
      return [n >> 16, (n >> 8) & 0xff, n & 0xff][i % 3]!;
    });
    for (const der of [
      groups,
      groups.subarray(0, 1),
      groups.subarray(0, 2),
      bytes(0),
      bytes(47),
      bytes(49),
    ]) {
      const lines =
        Buffer.from(der)
          .toString('base64')
          .match(/.{1,64}/g) ?? [];
      const body = lines.map((l) => `${l}\n`).join('');
      expect(encodePem('X', der)).toBe(`-----BEGIN X-----\n${body}-----END X-----\n`);
    }
  });

  it('accepts CRLF, whitespace around blocks, trailing spaces and explanatory text', () => {
    const crlf = `  \r\nsubject=CN=x\r\n${encodePem('CERTIFICATE', der1).replace(/\n/g, ' \r\n')}\r\n\r\n`;
    expect(decodePem(crlf)[0]!.der).toEqual(der1);
  });

  it('refuses stray characters inside the base64', () => {
    const bad = encodePem('CERTIFICATE', der1).replace(/\n([A-Za-z])/, '\n$1!');
    expect(codeOf(() => decodePem(bad))).toBe('ERR_BASE64');
  });

  it('refuses a missing END, a mismatched END, headers, and no block at all', () => {
    expect(codeOf(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n'))).toBe('ERR_PEM_INVALID');
    expect(codeOf(() => decodePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n'))).toBe(
      'ERR_PEM_INVALID',
    );
    const encrypted =
      '-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END EC PRIVATE KEY-----\n';
    expect(codeOf(() => decodePem(encrypted))).toBe('ERR_PEM_INVALID');
    expect(codeOf(() => decodePem('hello'))).toBe('ERR_PEM_INVALID');
  });

  it('checks the label of a single block', () => {
    const text = encodePem('PUBLIC KEY', der2);
    expect(decodePemBlock(text, ['PUBLIC KEY']).der).toEqual(der2);
    expect(codeOf(() => decodePemBlock(text, ['CERTIFICATE']))).toBe('ERR_PEM_LABEL');
    expect(codeOf(() => decodePemBlock(text + text, ['PUBLIC KEY']))).toBe('ERR_PEM_INVALID');
  });

  it('refuses oversize input early', () => {
    expect(codeOf(() => decodePem('A'.repeat((1 << 20) + 1)))).toBe('ERR_INPUT_TOO_LARGE');
  });
});
