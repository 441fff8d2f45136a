export {
  type CertificateRequest,
  type CreateCsrOptions,
  type CsrOutput,
  createCsr,
  MAX_CSR_SIZE,
  parseCsr,
  type SanSummary,
  summarizeSans,
  verifyCsr,
} from './csr';
