import { p256 } from '@noble/curves/nist.js';
import { cryptoBackend } from '../crypto/backend';
import { ecPointProblem } from '../crypto/point';
import type { SigningKey } from '../crypto/types';
import { sameBytes } from '../der';
import { PkiError, quoteInput } from '../errors';
import { base64UrlEncode, decodePem, encodePem } from '../pem';
import {
  optionalFunction,
  optionalOptions,
  requireBytes,
  requireObject,
  requireSigningKey,
} from '../validate';
import { parsePublicKeyInfo } from '../x509/spki';
import type { PublicKeyInfo } from '../x509/types';
import {
  encodePkcs8,
  encodeSec1,
  encodeSpki,
  looksLikePkcs8,
  readPkcs8,
  readSec1,
  readSpkiPoint,
} from './pkcs8';

/** A P-256 public key as JWK (RFC 7517). */
export interface EcPublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** A P-256 private key as JWK, with its private scalar `d`. */
export interface EcPrivateJwk extends EcPublicJwk {
  readonly d: string;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function validPoint(point: Uint8Array): Uint8Array {
  if (!(point instanceof Uint8Array))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a P-256 public point must be bytes');
  const bad = ecPointProblem('P-256', point);
  if (bad !== undefined) throw new PkiError('ERR_KEY_INVALID', `not a P-256 public key: ${bad}`);
  return point;
}

/**
 * The public point stored next to a private scalar, uncompressed. SEC1 allows it compressed
 * (`openssl ec -conv_form compressed` writes that); a point off the curve is `ERR_KEY_INVALID`.
 */
function storedPoint(point: Uint8Array): Uint8Array {
  try {
    const p = p256.Point.fromBytes(point);
    p.assertValidity();
    return p.toBytes(false);
  } catch {
    throw new PkiError('ERR_KEY_INVALID', 'the public key stored with the private key is not a P-256 point');
  }
}

/**
 * Set only while {@link PrivateKey} is constructed for a key the crypto backend generated: its point is
 * the backend's own (checked on the curve, not derived again from the scalar) and `pkcs8` its encoding,
 * kept when it is the one l5d-pki would write.
 */
let generated: { readonly point: Uint8Array; readonly pkcs8: Uint8Array } | undefined;

/** Set only while a {@link PrivateKey} makes its {@link PublicKey} from a point it already checked. */
let checkedPoint: Uint8Array | undefined;

/**
 * An ECDSA P-256 public key.
 *
 * @example
 * ```ts
 * const pub = importPublicKey(pem);
 * pub.toJwk(); // { kty: 'EC', crv: 'P-256', x, y }
 * ```
 */
export class PublicKey {
  /** Always `P-256`. */
  readonly curve = 'P-256' as const;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  /** The uncompressed point (65 bytes, `0x04 || x || y`). */
  readonly point: Uint8Array;
  /** The parsed SubjectPublicKeyInfo, as certificates carry it. */
  readonly info: PublicKeyInfo;

  /** Use {@link importPublicKey} or a private key's `publicKey`. */
  constructor(point: Uint8Array) {
    requireBytes(point, 'the public point');
    // A raw point is copied before it is checked: the key checked is the key kept.
    this.point =
      checkedPoint !== undefined && point === checkedPoint ? point : validPoint(new Uint8Array(point));
    this.spki = encodeSpki(this.point);
    this.info = parsePublicKeyInfo(this.spki);
  }

  /** Whether both keys are the same point. */
  equals(other: PublicKey | PublicKeyInfo): boolean {
    if (other instanceof PublicKey) requireBytes(other.point, 'the other key');
    else
      requireBytes((requireObject(other, 'the other key') as { der?: unknown }).der, 'the other key `der`');
    return other instanceof PublicKey ? sameBytes(this.point, other.point) : sameBytes(this.spki, other.der);
  }

  /** SPKI as PEM (`PUBLIC KEY`). */
  toPem(): string {
    return encodePem('PUBLIC KEY', this.spki);
  }

  /** The key as a JWK. */
  toJwk(): EcPublicJwk {
    return {
      kty: 'EC',
      crv: 'P-256',
      x: base64UrlEncode(this.point.subarray(1, 33)),
      y: base64UrlEncode(this.point.subarray(33)),
    };
  }
}

/**
 * An ECDSA P-256 private key. Its scalar stays inside: `toString`, `JSON.stringify` and `util.inspect`
 * print no key material; only the explicit export methods reveal it.
 *
 * @example
 * ```ts
 * const key = await generateKeyPair();
 * String(key); // 'PrivateKey(P-256, redacted)'
 * const p8 = key.exportPkcs8(); // key.p8
 * ```
 */
export class PrivateKey implements SigningKey {
  readonly #scalar: Uint8Array;
  readonly #pkcs8: Uint8Array;
  /** The matching public key. */
  readonly publicKey: PublicKey;

  /** Use {@link generateKeyPair} or {@link importPrivateKey}. */
  constructor(scalar: Uint8Array, publicPoint?: Uint8Array) {
    requireBytes(scalar, 'the private scalar');
    if (publicPoint !== undefined) requireBytes(publicPoint, 'the public point');
    if (scalar.length !== 32 || !p256.utils.isValidSecretKey(scalar)) {
      throw new PkiError('ERR_KEY_INVALID', 'private scalar is out of range for P-256');
    }
    let point: Uint8Array;
    if (generated !== undefined && publicPoint === generated.point) {
      // The backend made the pair: its point only needs to be a P-256 point.
      point = storedPoint(publicPoint);
    } else {
      point = p256.getPublicKey(scalar, false);
      if (publicPoint && !sameBytes(storedPoint(publicPoint), point)) {
        throw new PkiError(
          'ERR_KEY_MISMATCH',
          'the public key stored with the private key does not match it',
        );
      }
    }
    this.#scalar = new Uint8Array(scalar);
    checkedPoint = point;
    try {
      this.publicKey = new PublicKey(point);
    } finally {
      checkedPoint = undefined;
    }
    const pkcs8 = encodePkcs8(this.#scalar, point);
    // The backend's own encoding when identical, so the backend can recognise the key it made.
    this.#pkcs8 = generated !== undefined && sameBytes(generated.pkcs8, pkcs8) ? generated.pkcs8 : pkcs8;
  }

  /** PKCS#8 DER (what the proxy writes as `key.p8`). */
  get pkcs8(): Uint8Array {
    return this.#pkcs8;
  }

  /** PKCS#8 DER, a fresh copy. */
  exportPkcs8(): Uint8Array {
    return this.#pkcs8.slice();
  }

  /** PKCS#8 PEM (`PRIVATE KEY`). */
  exportPkcs8Pem(): string {
    return encodePem('PRIVATE KEY', this.#pkcs8);
  }

  /** SEC1 DER (`ECPrivateKey` with the named curve). */
  exportSec1(): Uint8Array {
    return encodeSec1(this.#scalar, this.publicKey.point);
  }

  /** SEC1 PEM (`EC PRIVATE KEY`), as `openssl ecparam -genkey` writes. */
  exportSec1Pem(): string {
    return encodePem('EC PRIVATE KEY', this.exportSec1());
  }

  /** The key as a private JWK (includes `d`). */
  exportJwk(): EcPrivateJwk {
    return { ...this.publicKey.toJwk(), d: base64UrlEncode(this.#scalar) };
  }

  /** Signs `data` with ecdsa-with-SHA256; returns the DER signature. */
  sign(data: Uint8Array): Promise<Uint8Array> {
    requireBytes(data, '`data`');
    return cryptoBackend().signP256(this, data);
  }

  /**
   * Signs `data` with ecdsa-with-SHA256 and a deterministic nonce (RFC 6979), so the same key and data
   * always give the same signature. Pure JavaScript (@noble/curves): slower than {@link sign}, for
   * reproducible output.
   */
  signDeterministic(data: Uint8Array): Uint8Array {
    requireBytes(data, '`data`');
    return p256.sign(data, this.#scalar, { format: 'der', lowS: false });
  }

  /** A description without key material. */
  toString(): string {
    return 'PrivateKey(P-256, redacted)';
  }

  /** JSON without key material. */
  toJSON(): { type: 'PrivateKey'; curve: 'P-256'; redacted: true } {
    return { type: 'PrivateKey', curve: 'P-256', redacted: true };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyOptions {
  /**
   * A source of random bytes. When given, the key is derived from 48 bytes of it (FIPS 186-5 A.2.1 style
   * reduction), so tests can reproduce keys; when absent, the crypto backend generates the key.
   */
  readonly random?: (length: number) => Uint8Array;
}

/**
 * Makes a new P-256 key pair, through WebCrypto (or `node:crypto` in Node) unless `random` is given.
 *
 * @example
 * ```ts
 * const key = await generateKeyPair();
 * const p8 = key.exportPkcs8(); // key.p8
 * ```
 */
export async function generateKeyPair(options: GenerateKeyOptions = {}): Promise<PrivateKey> {
  optionalOptions(options, 'generateKeyPair');
  optionalFunction(options.random, '`random`');
  if (options.random) {
    const seed = options.random(48);
    if (!(seed instanceof Uint8Array) || seed.length !== 48) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'random(48) must return 48 bytes');
    }
    return new PrivateKey(p256.utils.randomSecretKey(seed));
  }
  const pkcs8 = await cryptoBackend().generateP256();
  const parts = readPkcs8(pkcs8);
  if (parts.publicPoint === undefined) return new PrivateKey(parts.scalar);
  generated = { point: parts.publicPoint, pkcs8 };
  try {
    return new PrivateKey(parts.scalar, parts.publicPoint);
  } finally {
    generated = undefined;
  }
}

const PRIVATE_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY'];

/**
 * Largest key encoding l5d-pki reads (16 KiB of DER): a P-256 key takes under 200 bytes, so anything near
 * this is refused with `ERR_INPUT_TOO_LARGE` before it is parsed.
 */
export const MAX_KEY_SIZE = 16 * 1024;

function checkKeySize(der: Uint8Array, what: string): Uint8Array {
  if (der.length > MAX_KEY_SIZE) {
    throw new PkiError('ERR_INPUT_TOO_LARGE', `${what} is ${der.length} bytes; the limit is ${MAX_KEY_SIZE}`);
  }
  return der;
}

/**
 * A private key in any form l5d-pki accepts: a {@link PrivateKey}, PKCS#8 or SEC1 DER, or PKCS#8
 * (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) PEM text.
 *
 * @example
 * ```ts
 * const key: KeyInput = readFileSync('issuer.key', 'utf8');
 * const issuer = loadIssuer({ certificate: readFileSync('issuer.crt', 'utf8'), key });
 * ```
 */
export type KeyInput = PrivateKey | Uint8Array | string;

/** The error for an encrypted PKCS#8 key given where an unencrypted one is read. */
function encryptedKeyError(): PkiError {
  return new PkiError(
    'ERR_KEY_UNSUPPORTED',
    'the private key is encrypted: read it with decryptPrivateKey (on the command line, give its password with --password-file FILE)',
  );
}

/** DER of the PBES2 OID, 1.2.840.113549.1.5.13, with its tag and length. */
const PBES2_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];

/**
 * Whether `der` opens as `EncryptedPrivateKeyInfo` with PBES2 (SEQUENCE { SEQUENCE { OID PBES2 …),
 * looking at its first bytes only, so a truncated or damaged encrypted key is still recognised as one.
 * Internal: not exported from the package.
 *
 * @example
 * ```ts
 * if (opensAsPbes2(der)) throw new PkiError('ERR_KEY_UNSUPPORTED', 'the private key is encrypted');
 * ```
 */
export function opensAsPbes2(der: Uint8Array): boolean {
  // Skips a SEQUENCE tag and its length (short form, or long form of one or two octets).
  const header = (at: number): number => {
    if (der[at] !== 0x30) return -1;
    const len = der[at + 1] ?? 0;
    return len < 0x80 ? at + 2 : len === 0x81 ? at + 3 : len === 0x82 ? at + 4 : -1;
  };
  const outer = header(0);
  const inner = outer < 0 ? -1 : header(outer);
  return inner >= 0 && PBES2_OID.every((b, i) => der[inner + i] === b);
}

/**
 * Reads a P-256 private key given in any {@link KeyInput} form: PKCS#8 (`PRIVATE KEY`) or SEC1
 * (`EC PRIVATE KEY`) PEM, either as DER, or a {@link PrivateKey} made by l5d-pki (returned as it is).
 * Other algorithms, and encrypted PKCS#8 (read it with `decryptPrivateKey`), throw
 * `ERR_KEY_UNSUPPORTED`; corrupt encodings, out-of-range scalars and public
 * points that do not match throw `ERR_KEY_INVALID`/`ERR_KEY_MISMATCH`; DER over {@link MAX_KEY_SIZE}
 * throws `ERR_INPUT_TOO_LARGE`.
 *
 * @example
 * ```ts
 * const key = importPrivateKey(readFileSync('issuer.key', 'utf8'));
 * ```
 */
export function importPrivateKey(input: KeyInput): PrivateKey {
  if (input instanceof PrivateKey) return requireSigningKey(input, 'the private key', PrivateKey);
  let der: Uint8Array;
  let sec1: boolean;
  if (typeof input === 'string') {
    const blocks = decodePem(input).filter((b) => b.label.includes('PRIVATE KEY'));
    if (blocks.length !== 1) {
      throw new PkiError('ERR_PEM_LABEL', `expected one private key PEM block, found ${blocks.length}`);
    }
    const block = blocks[0]!;
    if (!PRIVATE_LABELS.includes(block.label)) {
      if (block.label === 'ENCRYPTED PRIVATE KEY') throw encryptedKeyError();
      throw new PkiError(
        'ERR_KEY_UNSUPPORTED',
        `${quoteInput(block.label)} keys are not supported; use an unencrypted P-256 key`,
      );
    }
    der = checkKeySize(block.der, 'private key');
    sec1 = block.label === 'EC PRIVATE KEY';
  } else if (input instanceof Uint8Array) {
    der = checkKeySize(input, 'private key');
    sec1 = !looksLikePkcs8(input);
    if (sec1 && opensAsPbes2(input)) throw encryptedKeyError();
  } else {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a private key must be a PrivateKey, PEM text or DER bytes');
  }
  const parts = sec1 ? readSec1(der) : readPkcs8(der);
  return new PrivateKey(parts.scalar, parts.publicPoint);
}

/**
 * Reads a P-256 public key from SPKI PEM (`PUBLIC KEY`) or DER. Throws `ERR_KEY_INVALID`,
 * `ERR_KEY_UNSUPPORTED`, a PEM code, or `ERR_INPUT_TOO_LARGE` over {@link MAX_KEY_SIZE}.
 *
 * @example
 * ```ts
 * const pub = importPublicKey(key.publicKey.toPem());
 * ```
 */
export function importPublicKey(input: PublicKey | Uint8Array | string): PublicKey {
  if (input instanceof PublicKey) return input;
  let der: Uint8Array;
  if (typeof input === 'string') {
    const blocks = decodePem(input);
    if (blocks.length !== 1 || blocks[0]!.label !== 'PUBLIC KEY') {
      throw new PkiError('ERR_PEM_LABEL', 'expected one "PUBLIC KEY" PEM block');
    }
    der = blocks[0]!.der;
  } else if (input instanceof Uint8Array) der = input;
  else throw new PkiError('ERR_INVALID_ARGUMENT', 'a public key must be PEM text or DER bytes');
  return new PublicKey(readSpkiPoint(checkKeySize(der, 'public key')));
}

/**
 * Whether `key` is an EC P-256 key in a certificate or CSR.
 *
 * @example
 * ```ts
 * isP256(parseCertificate(pem).publicKey); // true for Linkerd's certificates
 * ```
 */
export function isP256(key: PublicKeyInfo): boolean {
  requireObject(key, '`key`');
  return key.kind === 'ec' && key.curve === 'P-256';
}
