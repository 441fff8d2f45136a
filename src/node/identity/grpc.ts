import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  CERTIFY_METHOD,
  type CertifyRequest,
  type CertifyResponse,
  decodeCertifyRequest,
  decodeCertifyResponse,
  encodeCertifyRequest,
  encodeCertifyResponse,
} from '../../identity/wire';

/**
 * `io.linkerd.proxy.identity.Identity` as a grpc-js service definition, with the protobuf codec of
 * `identity/wire` (no code generation, no `.proto` read at run time).
 *
 * @example
 * ```ts
 * server.addService(IDENTITY_SERVICE, { Certify: handler });
 * ```
 */
export const IDENTITY_SERVICE = {
  Certify: {
    path: CERTIFY_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (request: CertifyRequest) => Buffer.from(encodeCertifyRequest(request)),
    requestDeserialize: (bytes: Buffer) => decodeCertifyRequest(new Uint8Array(bytes)),
    responseSerialize: (response: CertifyResponse) => Buffer.from(encodeCertifyResponse(response)),
    responseDeserialize: (bytes: Buffer) => decodeCertifyResponse(new Uint8Array(bytes)),
    originalName: 'certify',
  },
} satisfies ServiceDefinition;

/**
 * The `host:port` text of an address, bracketing an IPv6 host.
 *
 * @example
 * ```ts
 * formatHostPort('::1', 8080); // '[::1]:8080'
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Splits `host:port` (or `[v6]:port`); the port is a whole number from 0 to 65535.
 *
 * @returns `undefined` when `text` is not of that form.
 * @example
 * ```ts
 * parseHostPort('127.0.0.1:0'); // { host: '127.0.0.1', port: 0 }
 * ```
 */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}
