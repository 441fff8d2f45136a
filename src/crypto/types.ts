import type { HashName, PublicKeyInfo, SignatureAlgorithm } from '../x509/types';

/**
 * A P-256 private key as the backends see it: PKCS#8 DER plus an identity object that backends use to
 * cache their native handle.
 */
export interface SigningKey {
  /** PKCS#8 DER of the key. */
  readonly pkcs8: Uint8Array;
}

/**
 * Where signatures come from. l5d-pki has one WebCrypto backend (every runtime), a `node:crypto` backend
 * (the package's `node` export condition), and @noble/curves where WebCrypto is missing.
 */
export interface CryptoBackend {
  /** A short name for diagnostics: `webcrypto`, `node`, `noble`. */
  readonly name: string;
  /** A new P-256 key as PKCS#8 DER. */
  generateP256(): Promise<Uint8Array>;
  /** ecdsa-with-SHA256 over `data` with a P-256 key; returns the DER `ECDSA-Sig-Value`. */
  signP256(key: SigningKey, data: Uint8Array): Promise<Uint8Array>;
  /**
   * Checks `signature` over `data`. `algorithm` is already known to be supported (ECDSA or RSA with a
   * SHA-2 hash); ECDSA signatures arrive DER-encoded. Returns false for a wrong or malformed signature.
   */
  verify(
    algorithm: SignatureAlgorithm,
    key: PublicKeyInfo,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
  /**
   * {@link verify} answered synchronously, for backends that can (`node:crypto`). Path validation then
   * waits for nothing; backends without it (WebCrypto) are awaited.
   */
  readonly verifySync?:
    | ((
        algorithm: SignatureAlgorithm,
        key: PublicKeyInfo,
        signature: Uint8Array,
        data: Uint8Array,
      ) => boolean)
    | undefined;
  /** A digest of `data`. */
  digest(hash: Exclude<HashName, 'MD5'>, data: Uint8Array): Promise<Uint8Array>;
}
