import { sameBytes } from '../der';
import { PkiError, quoteInput } from '../errors';
import { decodePem, decodePemBlock, encodePem, isPemText } from '../pem';
import { requireArray, requireObject } from '../validate';
import { parseCertificate } from '../x509/certificate';
import { type CertificateInput, certificateDer } from '../x509/input';
import type { Certificate } from '../x509/types';

/** Most certificates a bundle may hold. */
export const MAX_BUNDLE_CERTIFICATES = 100;

/**
 * Reads a PEM bundle of trust anchors (`ca-bundle.crt`): every `CERTIFICATE` block, parsed, duplicates
 * (same DER) dropped, order kept. Throws `ERR_BUNDLE_EMPTY` without certificates, `ERR_BUNDLE_INVALID` for
 * other PEM blocks, `ERR_INPUT_TOO_LARGE` beyond 100 certificates or 1 MiB, and the parser's codes.
 *
 * @example
 * ```ts
 * const anchors = parseBundle(readFileSync('ca-bundle.crt', 'utf8'));
 * anchors.length; // 2 during an anchor rotation
 * ```
 */
export function parseBundle(pem: string): Certificate[] {
  return bundleDer(pem).map((der) => parseCertificate(der));
}

/**
 * The DER of every `CERTIFICATE` block of a PEM bundle, duplicates dropped, order kept: {@link parseBundle}
 * without the parsing (same errors but the parser's).
 */
export function bundleDer(pem: string): Uint8Array[] {
  if (typeof pem !== 'string' || !isPemText(pem))
    throw new PkiError('ERR_BUNDLE_EMPTY', 'the bundle holds no certificate');
  const blocks = decodePem(pem);
  // Labels and the count are checked, and duplicates dropped, before any certificate is parsed.
  const ders: Uint8Array[] = [];
  for (const [i, block] of blocks.entries()) {
    if (block.label !== 'CERTIFICATE') {
      throw new PkiError(
        'ERR_BUNDLE_INVALID',
        `bundle block ${i + 1} is ${quoteInput(block.label)}, not a CERTIFICATE`,
      );
    }
    if (ders.some((der) => sameBytes(der, block.der))) continue;
    if (ders.length === MAX_BUNDLE_CERTIFICATES) {
      throw new PkiError(
        'ERR_INPUT_TOO_LARGE',
        `a bundle holds at most ${MAX_BUNDLE_CERTIFICATES} certificates`,
      );
    }
    ders.push(block.der);
  }
  return ders;
}

/**
 * Writes certificates, each in any `CertificateInput` form (parsed, DER, or PEM text of one certificate),
 * as one PEM bundle, duplicates dropped, order kept.
 *
 * @example
 * ```ts
 * const bundle = writeBundle([oldAnchor.certificate, newAnchor.der, nextAnchorPem]);
 * ```
 */
export function writeBundle(
  certificates: readonly (CertificateInput | { readonly der: Uint8Array })[],
): string {
  requireArray(certificates, 'the certificates', (c, what) => {
    if (typeof c !== 'string') certificateDer(requireObject(c, what) as Certificate);
  });
  if (certificates.length === 0)
    throw new PkiError('ERR_BUNDLE_EMPTY', 'a bundle needs at least one certificate');
  const seen: Uint8Array[] = [];
  let out = '';
  for (const c of certificates) {
    const der =
      typeof c === 'string' ? decodePemBlock(c, ['CERTIFICATE']).der : certificateDer(c as Certificate);
    if (seen.some((d) => sameBytes(d, der))) continue;
    seen.push(der);
    out += encodePem('CERTIFICATE', der);
  }
  return out;
}
