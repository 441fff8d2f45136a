export {
  type EcPrivateJwk,
  type EcPublicJwk,
  type GenerateKeyOptions,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  isP256,
  PrivateKey,
  PublicKey,
} from './keys';
