import { parseBundle } from '../anchor';
import { type CertificateRequest, parseCsr } from '../csr';
import { quoteInput } from '../errors';
import { importPrivateKey, type PrivateKey } from '../keys';
import { decodePem } from '../pem';
import { parseCertificate } from '../x509';
import type { Certificate } from '../x509/types';
import { CliError, EXIT, toCliError } from './errors';
import { type Input, readInput } from './io';

function labels(input: Input): string[] {
  return decodePem(input.pem ?? '').map((b) => b.label);
}

function wrong(input: Input, expected: string, found: readonly string[]): CliError {
  const what = found.length === 0 ? 'no PEM block' : found.map((l) => `a ${quoteInput(l)}`).join(' and ');
  return new CliError(EXIT.USAGE, `${input.path}: expected ${expected}, found ${what}`, 'ERR_PEM_LABEL');
}

function attempt<T>(input: Input, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toCliError(e, input.path);
  }
}

/**
 * The certificates in a file: every `CERTIFICATE` block of a PEM file (other blocks are refused), or
 * one DER certificate.
 *
 * @param what - what the file should hold, for messages (`issuer certificate`).
 */
export function readCertificates(path: string, what: string): Certificate[] {
  const input = readInput(path, what);
  return attempt(input, () => {
    if (input.pem === undefined) return [parseCertificate(input.bytes)];
    const found = labels(input);
    if (!found.includes('CERTIFICATE')) throw wrong(input, `a ${what} (CERTIFICATE)`, found);
    const other = found.find((l) => l !== 'CERTIFICATE');
    if (other !== undefined) throw wrong(input, `only certificates`, [other]);
    return decodePem(input.pem)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => parseCertificate(b.der));
  });
}

/** Exactly one certificate (PEM or DER). */
export function readCertificate(path: string, what: string): Certificate {
  const certs = readCertificates(path, what);
  if (certs.length !== 1) {
    throw new CliError(EXIT.USAGE, `${path}: expected one ${what}, found ${certs.length} certificates`);
  }
  return certs[0]!;
}

/** A bundle of trust anchors (PEM), as `parseBundle` reads it. */
export function readBundle(path: string): Certificate[] {
  const input = readInput(path, 'trust-anchor bundle');
  return attempt(input, () => {
    if (input.pem === undefined) return [parseCertificate(input.bytes)];
    const found = labels(input);
    if (!found.includes('CERTIFICATE')) throw wrong(input, 'a trust-anchor bundle (CERTIFICATE)', found);
    return parseBundle(input.pem);
  });
}

/** A P-256 private key: PKCS#8 or SEC1, PEM or DER. */
export function readPrivateKey(path: string, what: string): PrivateKey {
  const input = readInput(path, what);
  return attempt(input, () => {
    if (input.pem === undefined) return importPrivateKey(input.bytes);
    const found = labels(input);
    if (!found.some((l) => l.includes('PRIVATE KEY'))) throw wrong(input, `a ${what} (PRIVATE KEY)`, found);
    return importPrivateKey(input.pem);
  });
}

/** A CSR, PEM or DER; parsed, its signature not yet checked. */
export function readCsr(path: string): CertificateRequest {
  const input = readInput(path, 'CSR');
  return attempt(input, () => {
    if (input.pem === undefined) return parseCsr(input.bytes);
    const found = labels(input);
    if (!found.some((l) => l.endsWith('CERTIFICATE REQUEST'))) {
      throw wrong(input, 'a CSR (CERTIFICATE REQUEST)', found);
    }
    return parseCsr(input.pem);
  });
}
