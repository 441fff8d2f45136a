import { PkiError } from '../errors';
import { optionalDate, requireArray, requireBytes, requireObject, requireString } from '../validate';

/**
 * `io.linkerd.proxy.identity.CertifyRequest` (linkerd2-proxy-api `proto/identity.proto`): what a proxy
 * sends. The CSR travels as DER.
 *
 * @example
 * ```ts
 * const request: CertifyRequest = { identity, token: tokenBytes, csr: csrDer };
 * ```
 */
export interface CertifyRequest {
  /** `identity` (field 1): the identity the proxy asks for. */
  readonly identity: string;
  /** `token` (field 2): the service-account token, as read from the token file. */
  readonly token: Uint8Array;
  /** `certificate_signing_request` (field 3): the CSR, DER. */
  readonly csr: Uint8Array;
}

/**
 * `io.linkerd.proxy.identity.CertifyResponse`: the leaf, the issuer chain (DER, nearest first) and
 * `valid_until`, the leaf's notAfter.
 *
 * @example
 * ```ts
 * const response: CertifyResponse = { leafCertificate: leaf.der, intermediateCertificates: [issuer.der], validUntil: leaf.validUntil };
 * ```
 */
export interface CertifyResponse {
  /** `leaf_certificate` (field 1), DER. */
  readonly leafCertificate: Uint8Array;
  /** `intermediate_certificates` (field 2), DER each, the issuer first. */
  readonly intermediateCertificates: readonly Uint8Array[];
  /** `valid_until` (field 3, a `google.protobuf.Timestamp`); absent when the message has none. */
  readonly validUntil: Date | undefined;
}

/**
 * The gRPC method path of `Certify`.
 *
 * @example
 * ```ts
 * CERTIFY_METHOD; // '/io.linkerd.proxy.identity.Identity/Certify'
 * ```
 */
export const CERTIFY_METHOD = '/io.linkerd.proxy.identity.Identity/Certify';

/**
 * Largest message {@link decodeCertifyRequest} and {@link decodeCertifyResponse} read, and the server's
 * message limit: 1 MiB.
 *
 * @example
 * ```ts
 * if (body.length > MAX_IDENTITY_MESSAGE_SIZE) reject();
 * ```
 */
export const MAX_IDENTITY_MESSAGE_SIZE = 1024 * 1024;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(what: string): PkiError {
  return new PkiError('ERR_DER', `malformed protobuf message: ${what}`);
}

/** A protobuf reader over one message: varints, lengths and the skipping of unknown fields. */
class ProtoReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** A varint of at most 53 bits (tags, lengths); longer ones are refused. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.bytes.length) throw malformed('truncated varint');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw malformed('varint too long');
  }

  /** A 64-bit varint as a signed int64 (two's complement). */
  int64(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw malformed('truncated varint');
      const b = this.bytes[this.pos++]!;
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return BigInt.asIntN(64, value);
    }
    throw malformed('varint too long');
  }

  lengthDelimited(): Uint8Array {
    const n = this.varint();
    if (n > this.bytes.length - this.pos) throw malformed('length past the end of the message');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.int64();
    else if (wireType === WIRE_BYTES) this.lengthDelimited();
    else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      const n = wireType === WIRE_FIXED64 ? 8 : 4;
      if (n > this.bytes.length - this.pos) throw malformed('truncated fixed-width field');
      this.pos += n;
    } else throw malformed(`wire type ${wireType} is not supported`);
  }

  /** The next field's number and wire type. */
  tag(): [field: number, wireType: number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field < 1 || field > 0x1fffffff) throw malformed(`field number ${field}`);
    return [field, t & 7];
  }
}

function readerFor(bytes: Uint8Array, what: string): ProtoReader {
  if (!(bytes instanceof Uint8Array)) throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be bytes`);
  if (bytes.length > MAX_IDENTITY_MESSAGE_SIZE)
    throw new PkiError('ERR_INPUT_TOO_LARGE', `${what} is over ${MAX_IDENTITY_MESSAGE_SIZE} bytes`);
  return new ProtoReader(bytes);
}

function expectBytes(wireType: number, name: string): void {
  if (wireType !== WIRE_BYTES) throw malformed(`field ${name} has wire type ${wireType}`);
}

/**
 * Reads a `CertifyRequest` from its protobuf encoding (proto3: absent fields are empty, unknown fields
 * are skipped, the last of a repeated singular field wins). The byte fields are copies.
 *
 * @throws {PkiError} `ERR_DER` for a malformed message or an identity that is not UTF-8;
 *   `ERR_INPUT_TOO_LARGE` over {@link MAX_IDENTITY_MESSAGE_SIZE}.
 * @example
 * ```ts
 * const request = decodeCertifyRequest(body);
 * request.identity; // 'web.shop.serviceaccount.identity.linkerd.cluster.local'
 * ```
 */
export function decodeCertifyRequest(bytes: Uint8Array): CertifyRequest {
  const r = readerFor(bytes, 'a CertifyRequest');
  let identity: Uint8Array = new Uint8Array(0);
  let token: Uint8Array = new Uint8Array(0);
  let csr: Uint8Array = new Uint8Array(0);
  while (!r.done) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectBytes(wireType, 'identity');
      identity = r.lengthDelimited();
    } else if (field === 2) {
      expectBytes(wireType, 'token');
      token = r.lengthDelimited();
    } else if (field === 3) {
      expectBytes(wireType, 'certificate_signing_request');
      csr = r.lengthDelimited();
    } else r.skip(wireType);
  }
  let text: string;
  try {
    text = utf8Strict.decode(identity);
  } catch {
    throw malformed('identity is not UTF-8');
  }
  return { identity: text, token: new Uint8Array(token), csr: new Uint8Array(csr) };
}

/**
 * Reads a `CertifyResponse` from its protobuf encoding. The byte fields are copies.
 *
 * @throws {PkiError} `ERR_DER` for a malformed message or a `valid_until` out of range;
 *   `ERR_INPUT_TOO_LARGE` over {@link MAX_IDENTITY_MESSAGE_SIZE}.
 * @example
 * ```ts
 * const { leafCertificate, intermediateCertificates, validUntil } = decodeCertifyResponse(body);
 * ```
 */
export function decodeCertifyResponse(bytes: Uint8Array): CertifyResponse {
  const r = readerFor(bytes, 'a CertifyResponse');
  let leaf: Uint8Array = new Uint8Array(0);
  const intermediates: Uint8Array[] = [];
  let validUntil: Date | undefined;
  while (!r.done) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectBytes(wireType, 'leaf_certificate');
      leaf = r.lengthDelimited();
    } else if (field === 2) {
      expectBytes(wireType, 'intermediate_certificates');
      intermediates.push(new Uint8Array(r.lengthDelimited()));
    } else if (field === 3) {
      expectBytes(wireType, 'valid_until');
      validUntil = decodeTimestamp(r.lengthDelimited());
    } else r.skip(wireType);
  }
  return { leafCertificate: new Uint8Array(leaf), intermediateCertificates: intermediates, validUntil };
}

/** Largest `Timestamp.seconds` protobuf allows: 9999-12-31T23:59:59Z. */
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;

function decodeTimestamp(bytes: Uint8Array): Date {
  const r = new ProtoReader(bytes);
  let seconds = 0n;
  let nanos = 0n;
  while (!r.done) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_VARINT) seconds = r.int64();
    else if (field === 2 && wireType === WIRE_VARINT) nanos = BigInt.asIntN(32, r.int64());
    else if (field === 1 || field === 2)
      throw malformed(`Timestamp field ${field} has wire type ${wireType}`);
    else r.skip(wireType);
  }
  if (
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0n ||
    nanos > 999_999_999n
  )
    throw malformed('valid_until is out of range');
  return new Date(Number(seconds) * 1000 + Math.floor(Number(nanos) / 1_000_000));
}

/** Bytes of a protobuf message under construction. */
class ProtoWriter {
  readonly parts: number[] = [];
  readonly chunks: Uint8Array[] = [];
  length = 0;

  #flush(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.length += this.parts.length;
    this.parts.length = 0;
  }

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }

  bytes(field: number, value: Uint8Array): void {
    this.varint(field * 8 + WIRE_BYTES);
    this.varint(value.length);
    this.#flush();
    this.chunks.push(value);
    this.length += value.length;
  }

  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * Writes a `CertifyRequest` in protobuf encoding (empty fields are left out, as proto3 does).
 *
 * @example
 * ```ts
 * const body = encodeCertifyRequest({ identity, token, csr: csrDer });
 * ```
 */
export function encodeCertifyRequest(request: CertifyRequest): Uint8Array {
  requireObject(request, 'the request');
  requireString(request.identity, '`identity`');
  requireBytes(request.token, '`token`');
  requireBytes(request.csr, '`csr`');
  const w = new ProtoWriter();
  const identity = utf8.encode(request.identity);
  if (identity.length > 0) w.bytes(1, identity);
  if (request.token.length > 0) w.bytes(2, request.token);
  if (request.csr.length > 0) w.bytes(3, request.csr);
  return w.finish();
}

/**
 * Writes a `CertifyResponse` in protobuf encoding; `valid_until` in whole seconds and nanoseconds.
 *
 * @example
 * ```ts
 * const body = encodeCertifyResponse({ leafCertificate, intermediateCertificates, validUntil });
 * ```
 */
export function encodeCertifyResponse(response: CertifyResponse): Uint8Array {
  requireObject(response, 'the response');
  requireBytes(response.leafCertificate, '`leafCertificate`');
  requireArray(response.intermediateCertificates, '`intermediateCertificates`', requireBytes);
  optionalDate(response.validUntil, '`validUntil`');
  const w = new ProtoWriter();
  if (response.leafCertificate.length > 0) w.bytes(1, response.leafCertificate);
  for (const c of response.intermediateCertificates) w.bytes(2, c);
  const until = response.validUntil;
  if (until !== undefined) {
    const ms = until.getTime();
    if (!Number.isFinite(ms)) throw new PkiError('ERR_INVALID_ARGUMENT', 'validUntil is not a valid date');
    const seconds = Math.floor(ms / 1000);
    const nanos = (ms - seconds * 1000) * 1_000_000;
    const ts = new ProtoWriter();
    if (seconds !== 0) {
      ts.varint(8);
      ts.varint(seconds);
    }
    if (nanos !== 0) {
      ts.varint(16);
      ts.varint(nanos);
    }
    w.bytes(3, ts.finish());
  }
  return w.finish();
}
