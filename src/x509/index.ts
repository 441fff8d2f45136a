export { MAX_CERTIFICATE_SIZE, parseCertificate } from './certificate';
export type { RawCertificate } from './input';
export type { IssuedCertificate, MintOptions, RandomSource } from './mint';
export { formatName } from './name';
export { OID } from './oids';
export {
  type BasicConstraints,
  type Certificate,
  type Extension,
  type GeneralName,
  type HashName,
  KeyUsage,
  type Name,
  type NameAttribute,
  type NameConstraints,
  type PublicKeyInfo,
  type SignatureAlgorithm,
} from './types';
