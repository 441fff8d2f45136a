import { describe, expect, it } from 'vitest';
import { octetString, oid, sequence, tlv } from '../src/der';
import {
  decodeAuthorityInfoAccess,
  decodeAuthorityKeyId,
  decodeAuthorityKeyIdentifier,
} from '../src/x509/extensions';
import { codeOf } from './helpers/pki';
import { gn, name } from './verify-certs';

describe('authorityKeyIdentifier fields', () => {
  const keyId = tlv(0x80, Uint8Array.from([1, 2, 3]));
  const issuer = tlv(0xa1, gn.dn(name('Root')));
  const serial = tlv(0x82, Uint8Array.from([7]));

  it('reports which optional fields are present', () => {
    expect(decodeAuthorityKeyIdentifier(sequence(keyId))).toEqual({
      keyId: Uint8Array.from([1, 2, 3]),
      hasAuthorityCertIssuer: false,
      hasAuthorityCertSerialNumber: false,
    });
    expect(decodeAuthorityKeyIdentifier(sequence(issuer, serial))).toEqual({
      keyId: undefined,
      hasAuthorityCertIssuer: true,
      hasAuthorityCertSerialNumber: true,
    });
    expect(decodeAuthorityKeyId(sequence(keyId, issuer, serial))).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it('refuses fields out of order or unknown', () => {
    expect(codeOf(() => decodeAuthorityKeyIdentifier(sequence(serial, keyId)))).toBe('ERR_DER');
    expect(codeOf(() => decodeAuthorityKeyIdentifier(sequence(tlv(0x83, new Uint8Array(1)))))).toBe(
      'ERR_DER',
    );
  });
});

describe('authorityInfoAccess', () => {
  const caIssuers = sequence(oid('1.3.6.1.5.5.7.48.2'), gn.uri('http://example.com/ca.crt'));

  it('reads AccessDescriptions', () => {
    expect(decodeAuthorityInfoAccess(sequence(caIssuers))).toEqual([
      { method: '1.3.6.1.5.5.7.48.2', location: { type: 'uri', value: 'http://example.com/ca.crt' } },
    ]);
  });

  it('refuses an empty list and malformed descriptions', () => {
    expect(codeOf(() => decodeAuthorityInfoAccess(sequence()))).toBe('ERR_DER');
    expect(codeOf(() => decodeAuthorityInfoAccess(octetString(new Uint8Array(2))))).toBe('ERR_DER');
    expect(codeOf(() => decodeAuthorityInfoAccess(sequence(sequence(oid('1.2.3')))))).toBe('ERR_DER');
  });
});
