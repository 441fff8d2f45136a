export { cryptoBackend, setCryptoBackend } from './backend';
export { derToRawSignature, rawToDerSignature } from './ecdsa-sig';
export type { CryptoBackend, SigningKey } from './types';
export { webCryptoBackend } from './webcrypto';
