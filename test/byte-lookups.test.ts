import { describe, expect, it } from 'vitest';
import {
  ByteCache,
  DerReader,
  decodeString,
  fromHex,
  hashBytes,
  readOid,
  sameBytes,
  TAG,
  tlv,
  toHex,
} from '../src/der';
import { ByteIndex } from '../src/verify/bytes';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('hashBytes', () => {
  it('hashes a range of a buffer as the same bytes on their own', () => {
    const buf = bytes(9, 9, 0x55, 0x04, 0x03, 9);
    expect(hashBytes(buf, 2, 5)).toBe(hashBytes(bytes(0x55, 0x04, 0x03)));
  });

  it('spreads short keys over the low bits (commonName and authorityKeyIdentifier OIDs differ there)', () => {
    const a = hashBytes(bytes(0x55, 0x04, 0x03)) & 0x3fc;
    const b = hashBytes(bytes(0x55, 0x1d, 0x23)) & 0x3fc;
    expect(a).not.toBe(b);
  });
});

describe('toHex', () => {
  it('writes lowercase hex as Node does, across its chunk boundary, and round-trips', () => {
    for (const length of [0, 1, 16, 8191, 8192, 8193, 20_000]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 131 + 7) & 0xff);
      const hex = toHex(bytes);
      expect(hex).toBe(Buffer.from(bytes).toString('hex'));
      expect(sameBytes(fromHex(hex), bytes)).toBe(true);
    }
  });
});

describe('sameBytes', () => {
  it('finds a difference at any position, aligned or not, word-wise or byte-wise', () => {
    const buffer = new Uint8Array(800).map((_, i) => (i * 31) & 0xff);
    for (const length of [0, 1, 63, 64, 65, 127, 128, 130, 131, 600]) {
      for (const [offsetA, offsetB] of [
        [0, 0],
        [4, 8],
        [1, 4],
        [3, 3],
      ] as const) {
        const a = new Uint8Array(buffer.buffer, 100 + offsetA, length);
        a.set(buffer.subarray(0, length));
        const b = new Uint8Array(length + 8).subarray(offsetB, offsetB + length);
        b.set(a);
        expect(sameBytes(a, b)).toBe(true);
        for (let at = 0; at < length; at++) {
          b[at]! ^= 0x80;
          expect(sameBytes(a, b)).toBe(false);
          b[at]! ^= 0x80;
        }
      }
    }
    expect(sameBytes(new Uint8Array(64), new Uint8Array(65).subarray(0, 64))).toBe(true);
    expect(sameBytes(new Uint8Array(64), new Uint8Array(65))).toBe(false);
    expect(sameBytes(new Uint8Array(128), new Uint8Array(129).subarray(0, 128))).toBe(true);
  });
});

describe('ByteCache', () => {
  // Four entries: every key lands in the one bucket.
  const one = () => new ByteCache<string>(4);

  it('finds what it stored, by exact bytes', () => {
    const cache = one();
    const key = bytes(1, 2, 3);
    cache.set(cache.bucket(key, 0, 3), key, 0, 3, 'a');
    const buf = bytes(0, 1, 2, 3);
    expect(cache.get(cache.bucket(buf, 1, 4), buf, 1, 4)).toBe('a');
    expect(cache.get(cache.bucket(buf, 1, 3), buf, 1, 3)).toBeUndefined(); // a prefix is another key
    expect(cache.get(cache.bucket(buf, 0, 4), buf, 0, 4)).toBeUndefined();
  });

  it('keeps a copy: later changes to the caller’s buffer do not reach it', () => {
    const cache = one();
    const key = bytes(7, 7);
    cache.set(cache.bucket(key, 0, 2), key, 0, 2, 'x');
    key[0] = 8;
    expect(cache.get(cache.bucket(key, 0, 2), key, 0, 2)).toBeUndefined();
    const again = bytes(7, 7);
    expect(cache.get(cache.bucket(again, 0, 2), again, 0, 2)).toBe('x');
  });

  it('keeps four keys of one bucket, and a fifth replaces one of them', () => {
    const cache = one();
    const keys = [1, 2, 3, 4, 5].map((n) => bytes(n));
    const lookup = (k: Uint8Array) => cache.get(cache.bucket(k, 0, 1), k, 0, 1);
    for (const k of keys.slice(0, 4)) cache.set(cache.bucket(k, 0, 1), k, 0, 1, `v${k[0]}`);
    expect(keys.slice(0, 4).map(lookup)).toEqual(['v1', 'v2', 'v3', 'v4']);
    cache.set(cache.bucket(keys[4]!, 0, 1), keys[4]!, 0, 1, 'v5');
    const found = keys.map(lookup);
    expect(found[4]).toBe('v5');
    expect(found.filter((v) => v !== undefined)).toHaveLength(4);
  });
});

describe('ByteIndex', () => {
  it('files values under exact bytes, several under one key, in order', () => {
    const index = new ByteIndex<string>();
    expect(index.empty).toBe(true);
    index.add(bytes(1, 2), 'a');
    index.add(bytes(1, 2), 'b');
    index.add(bytes(1, 2, 0), 'c');
    expect(index.empty).toBe(false);
    expect(index.get(bytes(1, 2))).toEqual(['a', 'b']);
    expect(index.get(bytes(1, 2, 0))).toEqual(['c']);
    expect(index.get(bytes(1))).toEqual([]);
  });
});

describe('decodeString', () => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  const decode = (tag: number, s: string) => decodeString(tag, ascii(s), 'test', 0);

  it('decodes a name spelled twice, then names of the same length that differ anywhere', () => {
    const name = 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local';
    expect(decode(TAG.PRINTABLE_STRING, name)).toBe(name);
    expect(decode(TAG.IA5_STRING, name)).toBe(name);
    const long = `${name}/`.repeat(6); // longer than what is remembered
    expect(decode(TAG.IA5_STRING, long)).toBe(long);
    expect(decode(TAG.IA5_STRING, name)).toBe(name);
    expect(decode(TAG.IA5_STRING, long)).toBe(long);
    for (const at of [0, 1, name.length >> 1, name.length - 1]) {
      const other = `${name.slice(0, at)}X${name.slice(at + 1)}`;
      expect(decode(TAG.IA5_STRING, other)).toBe(other);
      expect(decode(TAG.IA5_STRING, name)).toBe(name);
    }
  });

  it('refuses a non-ASCII octet anywhere in an ASCII string, and a PrintableString character outside its set', () => {
    for (const length of [5, 40]) {
      for (let at = 0; at < length; at++) {
        for (const octet of [0x80, 0xc3, 0xff]) {
          const v = new Uint8Array(length).fill(0x61);
          v[at] = octet;
          expect(() => decodeString(TAG.IA5_STRING, v, 'test', 0)).toThrow(/non-ASCII octet/);
        }
        const v = new Uint8Array(length).fill(0x61);
        v[at] = 0x2a; // '*'
        expect(() => decodeString(TAG.PRINTABLE_STRING, v, 'test', 0)).toThrow(/invalid PrintableString/);
        expect(decodeString(TAG.IA5_STRING, v, 'test', 0)).toBe(new TextDecoder().decode(v));
      }
    }
  });

  it('decodes UTF8String text of any length, ASCII or not, and shares a repeated spelling across types', () => {
    const name = 'identity.linkerd.cluster.local';
    for (const text of [
      'a',
      'short name',
      name,
      'x'.repeat(5000),
      'Zürich',
      `${name} ✓ 🚀`,
      'é'.repeat(3000),
    ]) {
      expect(decode(TAG.UTF8_STRING, text)).toBe(text);
    }
    expect(decode(TAG.UTF8_STRING, name)).toBe(name);
    expect(decode(TAG.IA5_STRING, name)).toBe(name);
    expect(decode(TAG.UTF8_STRING, `${name.slice(0, -1)}L`)).toBe(`${name.slice(0, -1)}L`);
    for (const bad of [[0xc3], [0x61, 0xe2, 0x82], [0xff, 0x61], [0xed, 0xa0, 0x80]]) {
      expect(() => decodeString(TAG.UTF8_STRING, new Uint8Array(bad), 'test', 0)).toThrow(/invalid UTF-8/);
    }
  });

  it('still checks the octets of a repeated spelling against its string type', () => {
    const text = 'a name with an @ sign';
    expect(decode(TAG.IA5_STRING, text)).toBe(text);
    expect(() => decode(TAG.PRINTABLE_STRING, text)).toThrow(/invalid PrintableString/);
  });
});

describe('readOid', () => {
  const read = (...content: number[]) => readOid(new DerReader(tlv(TAG.OID, new Uint8Array(content))), 'oid');

  it('reads attribute and extension types, and their neighbours, as dotted text', () => {
    for (let n = 0; n < 0x80; n++) {
      expect(read(0x55, 0x04, n)).toBe(`2.5.4.${n}`);
      expect(read(0x55, 0x1d, n)).toBe(`2.5.29.${n}`);
      expect(read(0x55, 0x05, n)).toBe(`2.5.5.${n}`);
    }
    expect(read(0x55, 0x1d, 0x81, 0x00)).toBe('2.5.29.128');
    expect(read(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)).toBe('1.2.840.10045.2.1');
    expect(() => read(0x55, 0x1d, 0x81)).toThrow(/truncated OID arc/);
  });
});
