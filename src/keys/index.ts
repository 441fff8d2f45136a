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
