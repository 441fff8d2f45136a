export {
  type DecryptKeyOptions,
  decryptPrivateKey,
  type EncryptedKey,
  type EncryptKeyOptions,
  encryptPrivateKey,
  isEncryptedPrivateKey,
  MAX_PBKDF2_ITERATIONS,
  MAX_SCRYPT_MEMORY,
  type Password,
} from './encrypted';
export {
  type EcPrivateJwk,
  type EcPublicJwk,
  type GenerateKeyOptions,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  isP256,
  type KeyInput,
  MAX_KEY_SIZE,
  PrivateKey,
  PublicKey,
} from './keys';
