import { PkiError } from '../errors';
import { base64Decode, base64Encode } from '../pem';

/** Standard padded base64 of the UTF-8 encoding of `text`, as Kubernetes stores Secret `data`. */
export function encodeBase64(text: string): string {
  return base64Encode(new TextEncoder().encode(text));
}

/** Strict base64 (see `base64Decode`) of UTF-8 text; throws `ERR_BASE64` on either problem. */
export function decodeBase64(b64: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(base64Decode(b64));
  } catch (cause) {
    if (cause instanceof PkiError) throw cause;
    throw new PkiError('ERR_BASE64', 'base64 content is not valid UTF-8', { cause });
  }
}
