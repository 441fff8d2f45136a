/**
 * Encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`, RFC 8018 PBES2), as `openssl pkcs8 -topk8 -v2 aes-256-cbc`,
 * `openssl pkcs8 -topk8 -scrypt` and `step` write it: PBKDF2 with HMAC-SHA-256 (or SHA-384/512) or scrypt,
 * then AES-128-CBC or AES-256-CBC. PBKDF2 and AES-CBC come from WebCrypto, scrypt from @noble/hashes, so
 * it runs wherever WebCrypto does (Node, Deno, Bun, browsers).
 *
 * @module
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import {
  DerReader,
  integer,
  octetString,
  oid,
  readOid,
  readSmallInteger,
  readTopLevel,
  sequence,
  TAG,
} from '../der';
import { PkiError, quoteInput } from '../errors';
import { decodePem, encodePem } from '../pem';
import { optionalFunction, requireFunction, requireObject, requireOptions } from '../validate';
import { importPrivateKey, type KeyInput, MAX_KEY_SIZE, opensAsPbes2, PrivateKey } from './keys';

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const SCRYPT = '1.3.6.1.4.1.11591.4.11';
const HMAC: Readonly<Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'>> = {
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
const HMAC_SHA1 = '1.2.840.113549.2.7';
const AES_CBC: Readonly<Record<string, 16 | 32>> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.42': 32,
};

/** Most PBKDF2 iterations read (an hostile key could ask for years of work); 600,000 is today's advice. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** Most memory scrypt may use to read a key (128·N·r·p bytes): 256 MiB. */
export const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** A password: text (UTF-8, as OpenSSL and `step` take it) or bytes. */
export type Password = string | Uint8Array;

/** Options of {@link decryptPrivateKey}. */
export interface DecryptKeyOptions {
  /** The password. */
  readonly password: Password;
  /** The WebCrypto to use; default `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
}

/** Options of {@link encryptPrivateKey}. */
export interface EncryptKeyOptions {
  /** The password; at least one character. */
  readonly password: Password;
  /** The key derivation: `pbkdf2` (HMAC-SHA-256, the default) or `scrypt`. */
  readonly kdf?: 'pbkdf2' | 'scrypt';
  /** Default `aes-256-cbc`. */
  readonly cipher?: 'aes-256-cbc' | 'aes-128-cbc';
  /** PBKDF2 iterations; default 600,000. */
  readonly iterations?: number;
  /** scrypt cost: N (a power of two, default 2^15), r (default 8), p (default 1). */
  readonly scrypt?: { readonly N?: number; readonly r?: number; readonly p?: number };
  /** Random bytes for the salt and IV; default `crypto.getRandomValues`. */
  readonly random?: (length: number) => Uint8Array;
  /** The WebCrypto to use; default `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
}

/** An encrypted key as {@link encryptPrivateKey} returns it. */
export interface EncryptedKey {
  /** `EncryptedPrivateKeyInfo` DER. */
  readonly der: Uint8Array;
  /** PEM (`ENCRYPTED PRIVATE KEY`). */
  readonly pem: string;
}

interface Kdf {
  readonly kind: 'pbkdf2' | 'scrypt';
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly hash: 'SHA-256' | 'SHA-384' | 'SHA-512';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number | undefined;
}

interface Pbes2 {
  readonly kdf: Kdf;
  readonly keySize: 16 | 32;
  readonly iv: Uint8Array;
  readonly encrypted: Uint8Array;
}

function unsupported(what: string): never {
  throw new PkiError(
    'ERR_KEY_UNSUPPORTED',
    `encrypted key: ${what}; l5d-pki reads PBES2 with PBKDF2 (HMAC-SHA-256/384/512) or scrypt and AES-128/256-CBC`,
  );
}

function invalid(what: string): PkiError {
  return new PkiError('ERR_KEY_INVALID', `invalid encrypted key: ${what}`);
}

/** Reads EncryptedPrivateKeyInfo with PBES2; throws for anything else. */
function readPbes2(der: Uint8Array): Pbes2 {
  try {
    const top = readTopLevel(der, TAG.SEQUENCE, 'EncryptedPrivateKeyInfo');
    const alg = top.enterNext(TAG.SEQUENCE, 'encryptionAlgorithm');
    const scheme = readOid(alg, 'encryptionAlgorithm');
    if (scheme !== PBES2) unsupported(`scheme ${scheme} (PKCS#5 v1.5 or PKCS#12 PBE) is not PBES2`);
    const params = alg.enterNext(TAG.SEQUENCE, 'PBES2-params');
    alg.expectEnd('encryptionAlgorithm');
    const kdfAlg = params.enterNext(TAG.SEQUENCE, 'keyDerivationFunc');
    const kdf = readKdf(kdfAlg);
    const enc = params.enterNext(TAG.SEQUENCE, 'encryptionScheme');
    params.expectEnd('PBES2-params');
    const cipherOid = readOid(enc, 'encryptionScheme');
    const keySize = AES_CBC[cipherOid];
    if (keySize === undefined) unsupported(`cipher ${cipherOid}`);
    const iv = enc.readContent(TAG.OCTET_STRING, 'AES-CBC IV');
    enc.expectEnd('encryptionScheme');
    if (iv.length !== 16) throw invalid('the AES-CBC IV is not 16 bytes');
    if (kdf.keyLength !== undefined && kdf.keyLength !== keySize) {
      throw invalid(`the key length ${kdf.keyLength} does not fit the cipher's ${keySize}`);
    }
    const encrypted = top.readContent(TAG.OCTET_STRING, 'encryptedData');
    top.expectEnd('EncryptedPrivateKeyInfo');
    if (encrypted.length === 0 || encrypted.length % 16 !== 0) {
      throw invalid('the encrypted data is not whole AES blocks');
    }
    return { kdf, keySize, iv, encrypted };
  } catch (e) {
    if (e instanceof PkiError && (e.code === 'ERR_DER' || e.code === 'ERR_TRAILING_DATA')) {
      throw new PkiError('ERR_KEY_INVALID', `invalid encrypted key: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function readKdf(kdfAlg: DerReader): Kdf {
  const kdfOid = readOid(kdfAlg, 'keyDerivationFunc');
  const p = kdfAlg.enterNext(TAG.SEQUENCE, 'KDF params');
  kdfAlg.expectEnd('keyDerivationFunc');
  const salt = p.readContent(TAG.OCTET_STRING, 'salt');
  if (salt.length === 0 || salt.length > 1024) throw invalid(`a ${salt.length}-byte salt`);
  if (kdfOid === PBKDF2) {
    const iterations = readSmallInteger(p, 'iterationCount');
    if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      throw invalid(`PBKDF2 iteration count ${iterations} is outside 1..${MAX_PBKDF2_ITERATIONS}`);
    }
    const keyLength = p.peekTag() === TAG.INTEGER ? readSmallInteger(p, 'keyLength', 64) : undefined;
    if (p.done) unsupported('PBKDF2 with HMAC-SHA-1 (the default PRF)');
    const prf = p.enterNext(TAG.SEQUENCE, 'prf');
    const prfOid = readOid(prf, 'prf');
    if (prf.peekTag() === TAG.NULL) prf.read(TAG.NULL, 'prf parameters');
    prf.expectEnd('prf');
    p.expectEnd('PBKDF2-params');
    const hash = HMAC[prfOid];
    if (hash === undefined)
      unsupported(prfOid === HMAC_SHA1 ? 'PBKDF2 with HMAC-SHA-1' : `PBKDF2 PRF ${prfOid}`);
    return { kind: 'pbkdf2', salt, iterations, hash, N: 0, r: 0, p: 0, keyLength };
  }
  if (kdfOid === SCRYPT) {
    const N = readSmallInteger(p, 'scrypt costParameter');
    const r = readSmallInteger(p, 'scrypt blockSize');
    const par = readSmallInteger(p, 'scrypt parallelizationParameter');
    const keyLength = p.peekTag() === TAG.INTEGER ? readSmallInteger(p, 'keyLength', 64) : undefined;
    p.expectEnd('scrypt-params');
    if (N < 2 || (N & (N - 1)) !== 0) throw invalid(`scrypt N ${N} is not a power of two above 1`);
    if (r < 1 || par < 1 || 128 * N * r * par > MAX_SCRYPT_MEMORY || 128 * N * r > MAX_SCRYPT_MEMORY) {
      throw invalid(`scrypt parameters N=${N} r=${r} p=${par} need more than ${MAX_SCRYPT_MEMORY >> 20} MiB`);
    }
    return { kind: 'scrypt', salt, iterations: 0, hash: 'SHA-256', N, r, p: par, keyLength };
  }
  return unsupported(`key derivation ${kdfOid}`);
}

function subtleOf(given: SubtleCrypto | undefined): SubtleCrypto {
  if (given !== undefined) {
    const s = requireObject(given, '`subtle`') as Partial<Record<keyof SubtleCrypto, unknown>>;
    for (const m of ['importKey', 'deriveBits', 'encrypt', 'decrypt'] as const) {
      requireFunction(s[m], `\`subtle.${m}\``);
    }
  }
  const subtle = given ?? globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new PkiError(
      'ERR_CRYPTO_UNAVAILABLE',
      'encrypted keys need WebCrypto (PBKDF2, AES-CBC), which this runtime lacks',
    );
  }
  return subtle;
}

function passwordBytes(password: Password): Uint8Array {
  if (typeof password === 'string') return new TextEncoder().encode(password);
  if (password instanceof Uint8Array) return password;
  throw new PkiError('ERR_INVALID_ARGUMENT', 'the password must be a string or bytes');
}

async function deriveKey(
  subtle: SubtleCrypto,
  password: Uint8Array,
  kdf: Kdf,
  size: number,
): Promise<Uint8Array> {
  if (kdf.kind === 'scrypt') {
    return scryptAsync(password, kdf.salt, {
      N: kdf.N,
      r: kdf.r,
      p: kdf.p,
      dkLen: size,
      maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024,
    });
  }
  const base = await subtle.importKey('raw', password as BufferSource, 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'PBKDF2', hash: kdf.hash, salt: kdf.salt as BufferSource, iterations: kdf.iterations },
    base,
    size * 8,
  );
  return new Uint8Array(bits);
}

function wrongPassword(cause?: unknown): PkiError {
  return new PkiError(
    'ERR_KEY_PASSWORD',
    'cannot decrypt the private key: wrong password, or the key is damaged',
    { cause },
  );
}

/**
 * Whether `input` is an encrypted PKCS#8 key: PEM with an `ENCRYPTED PRIVATE KEY` block, or DER whose
 * outer algorithm is PBES2. Never throws.
 *
 * @example
 * ```ts
 * if (isEncryptedPrivateKey(text)) key = await decryptPrivateKey(text, { password });
 * ```
 */
export function isEncryptedPrivateKey(input: string | Uint8Array): boolean {
  try {
    if (typeof input === 'string') return decodePem(input).some((b) => b.label === 'ENCRYPTED PRIVATE KEY');
    if (!(input instanceof Uint8Array)) return false;
    const top = new DerReader(input).enterNext(TAG.SEQUENCE, 'key');
    const alg = top.enterNext(TAG.SEQUENCE, 'key');
    return readOid(alg, 'key') === PBES2;
  } catch {
    return false;
  }
}

/**
 * Decrypts an encrypted PKCS#8 P-256 key (PEM `ENCRYPTED PRIVATE KEY` or DER). An unencrypted key in
 * any {@link KeyInput} form is read as {@link importPrivateKey} reads it, so callers may pass whatever
 * file they were given. A wrong password (or damaged ciphertext) throws `ERR_KEY_PASSWORD` with a message
 * that never holds the password; schemes other than PBES2 with PBKDF2-HMAC-SHA-2 or scrypt and AES-CBC
 * throw `ERR_KEY_UNSUPPORTED`; KDF parameters past {@link MAX_PBKDF2_ITERATIONS} or
 * {@link MAX_SCRYPT_MEMORY} throw `ERR_KEY_INVALID` before any work is done.
 *
 * @example
 * ```ts
 * const key = await decryptPrivateKey(readFileSync('issuer.key', 'utf8'), { password: 'correct horse' });
 * ```
 */
export async function decryptPrivateKey(input: KeyInput, options: DecryptKeyOptions): Promise<PrivateKey> {
  requireOptions(options, 'decryptPrivateKey');
  const password = passwordBytes(options.password);
  const subtle = subtleOf(options.subtle);
  if (input instanceof PrivateKey) return importPrivateKey(input);
  let der: Uint8Array;
  if (typeof input === 'string') {
    const blocks = decodePem(input).filter((b) => b.label.includes('PRIVATE KEY'));
    if (blocks.length !== 1) {
      throw new PkiError('ERR_PEM_LABEL', `expected one private key PEM block, found ${blocks.length}`);
    }
    if (blocks[0]!.label !== 'ENCRYPTED PRIVATE KEY') return importPrivateKey(input);
    der = blocks[0]!.der;
  } else if (input instanceof Uint8Array) {
    // A damaged encrypted key is reported as one (ERR_KEY_INVALID below), not as a bad plain key.
    if (!isEncryptedPrivateKey(input) && !opensAsPbes2(input)) return importPrivateKey(input);
    der = input;
  } else {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a private key must be a PrivateKey, PEM text or DER bytes');
  }
  if (der.length > MAX_KEY_SIZE) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `encrypted key is ${der.length} bytes; the limit is ${MAX_KEY_SIZE}`,
    );
  }
  const p = readPbes2(der);
  const secret = await deriveKey(subtle, password, p.kdf, p.keySize);
  let plain: Uint8Array;
  try {
    const aes = await subtle.importKey('raw', secret as BufferSource, 'AES-CBC', false, ['decrypt']);
    plain = new Uint8Array(
      await subtle.decrypt({ name: 'AES-CBC', iv: p.iv as BufferSource }, aes, p.encrypted as BufferSource),
    );
  } catch (e) {
    throw wrongPassword(e);
  } finally {
    secret.fill(0);
  }
  try {
    return importPrivateKey(plain);
  } catch (e) {
    // Padding that happens to check out under a wrong key leaves bytes that are no key at all.
    if (e instanceof PkiError && e.code === 'ERR_KEY_UNSUPPORTED') throw e;
    throw wrongPassword(e);
  } finally {
    plain.fill(0);
  }
}

/**
 * Encrypts a P-256 key as PKCS#8 PBES2 (`ENCRYPTED PRIVATE KEY`) that OpenSSL, `step` and Go read:
 * PBKDF2-HMAC-SHA-256 with 600,000 iterations (or scrypt N=2^15, r=8, p=1) and AES-256-CBC by default,
 * with a fresh 16-byte salt and IV.
 *
 * @example
 * ```ts
 * const { pem } = await encryptPrivateKey(issuer.key, { password: 'correct horse' });
 * const again = await decryptPrivateKey(pem, { password: 'correct horse' });
 * ```
 */
export async function encryptPrivateKey(key: KeyInput, options: EncryptKeyOptions): Promise<EncryptedKey> {
  requireOptions(options, 'encryptPrivateKey');
  const privateKey = importPrivateKey(key);
  optionalFunction(options.random, '`random`');
  const subtle = subtleOf(options.subtle);
  const scryptOptions = options.scrypt === undefined ? {} : requireObject(options.scrypt, '`scrypt`');
  const password = passwordBytes(options.password);
  if (password.length === 0) throw new PkiError('ERR_INVALID_ARGUMENT', 'the password is empty');
  const kind = options.kdf ?? 'pbkdf2';
  if (kind !== 'pbkdf2' && kind !== 'scrypt') {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `kdf ${quoteInput(String(kind))} is neither "pbkdf2" nor "scrypt"`,
    );
  }
  const cipher = options.cipher ?? 'aes-256-cbc';
  if (cipher !== 'aes-256-cbc' && cipher !== 'aes-128-cbc') {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `cipher ${quoteInput(String(cipher))} is not aes-256-cbc or aes-128-cbc`,
    );
  }
  const keySize = cipher === 'aes-256-cbc' ? 32 : 16;
  const iterations = options.iterations ?? 600_000;
  const { N = 2 ** 15, r = 8, p: par = 1 } = scryptOptions as { N?: number; r?: number; p?: number };
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `iterations must be a whole number from 1 to ${MAX_PBKDF2_ITERATIONS}`,
    );
  }
  if (
    ![N, r, par].every(Number.isInteger) ||
    N < 2 ||
    (N & (N - 1)) !== 0 ||
    r < 1 ||
    par < 1 ||
    128 * N * r * par > MAX_SCRYPT_MEMORY
  ) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'scrypt needs N a power of two, r and p ≥ 1, within 256 MiB');
  }
  const random = options.random ?? ((n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
  const salt = random(16);
  const iv = random(16);
  if (
    !(salt instanceof Uint8Array) ||
    salt.length !== 16 ||
    !(iv instanceof Uint8Array) ||
    iv.length !== 16
  ) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'random(16) must return 16 bytes');
  }
  const kdf: Kdf = { kind, salt, iterations, hash: 'SHA-256', N, r, p: par, keyLength: undefined };
  const secret = await deriveKey(subtle, password, kdf, keySize);
  let encrypted: Uint8Array;
  try {
    const aes = await subtle.importKey('raw', secret as BufferSource, 'AES-CBC', false, ['encrypt']);
    encrypted = new Uint8Array(
      await subtle.encrypt(
        { name: 'AES-CBC', iv: iv as BufferSource },
        aes,
        privateKey.pkcs8 as BufferSource,
      ),
    );
  } finally {
    secret.fill(0);
  }
  const kdfAlg =
    kind === 'pbkdf2'
      ? sequence(
          oid(PBKDF2),
          sequence(
            octetString(salt),
            integer(iterations),
            sequence(oid('1.2.840.113549.2.9'), new Uint8Array([5, 0])),
          ),
        )
      : sequence(oid(SCRYPT), sequence(octetString(salt), integer(N), integer(r), integer(par)));
  const cipherOid = keySize === 32 ? '2.16.840.1.101.3.4.1.42' : '2.16.840.1.101.3.4.1.2';
  const der = sequence(
    sequence(oid(PBES2), sequence(kdfAlg, sequence(oid(cipherOid), octetString(iv)))),
    octetString(encrypted),
  );
  return { der, pem: encodePem('ENCRYPTED PRIVATE KEY', der) };
}
