/**
 * l5d-pki: Linkerd's PKI primitives as pure functions. P-256 keys and PKCS#8, CSRs, trust anchors,
 * issuers and SPIFFE-SAN leaves, path validation against multi-anchor bundles, renewal schedules and
 * `linkerd check`-style diagnostics, for Node, browsers, Deno and Bun.
 *
 * @packageDocumentation
 */
export * from './anchor';
export * from './check';
export * from './crypto';
export * from './csr';
export { ERROR_CODES, isPkiError, PkiError, type PkiErrorCode } from './errors';
export * from './identity';
export * from './issuer';
export * from './k8s';
export * from './keys';
export * from './leaf';
export * from './pem';
export * from './rotate';
export * from './schedule';
export * from './spiffe';
export * from './spiffe-bundle';
export * from './timeline';
export * from './verify';
export * from './x509';
