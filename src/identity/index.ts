export {
  LINKERD_TOKEN_AUDIENCE,
  staticTokenAuthenticator,
  type TokenAuthenticator,
  type TokenVerdict,
} from './authenticator';
export {
  type CertifyFailure,
  type CertifyOptions,
  type CertifyResult,
  type CertifySettings,
  type CertifySuccess,
  certify,
  GRPC_STATUS,
  type GrpcStatusName,
} from './certify';
export {
  CERTIFY_METHOD,
  type CertifyRequest,
  type CertifyResponse,
  decodeCertifyRequest,
  decodeCertifyResponse,
  encodeCertifyRequest,
  encodeCertifyResponse,
  MAX_IDENTITY_MESSAGE_SIZE,
} from './wire';
