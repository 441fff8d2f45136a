import { sameBytes } from '../der';
import { PkiError } from '../errors';
import type { GeneralName } from '../x509/types';
import { formatIpAddress, parseIpAddress } from './ip';

/**
 * The name a caller expects the leaf to carry, classified: an IP address literal, a URI (any text with a
 * `scheme://`, e.g. a `spiffe://` ID), or a DNS name (lowercase, without a trailing dot). Each matches only
 * SANs of its own type: a dNSName, iPAddress or uniformResourceIdentifier.
 */
export type ReferenceName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: Uint8Array }
  | { readonly type: 'uri'; readonly value: string };

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const DIGITS_AND_DOTS = /^[0-9.]+$/;
const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
/** Reference names may hold underscores (rustls-webpki allows them); certificate names may not. */
const REFERENCE_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * Classifies `name` (see {@link ReferenceName}). As Go's `VerifyHostname`, one trailing dot of a DNS name
 * is dropped (`example.com.` is `example.com`), and DNS names compare ignoring ASCII case. Throws
 * `ERR_INVALID_ARGUMENT` for text that is none of them, e.g. `*.example.com`, `example.com..` or
 * `192.168.001.001`: a caller's mistake, not a verification failure.
 */
export function parseReferenceName(name: string): ReferenceName {
  if (typeof name !== 'string') throw new PkiError('ERR_INVALID_ARGUMENT', 'name must be a string');
  if (URI_SCHEME.test(name)) return { type: 'uri', value: name };
  const ip = parseIpAddress(name);
  if (ip) return { type: 'ip', value: ip };
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  if (isHostname(host, REFERENCE_LABEL)) return { type: 'dns', value: host.toLowerCase() };
  throw new PkiError(
    'ERR_INVALID_ARGUMENT',
    `name ${JSON.stringify(name)} is not a DNS name, an IP address or a URI`,
  );
}

/**
 * Whether `name` is a DNS name of labels matching `label`, at most 253 characters, with no trailing dot,
 * and not all digits and dots (text that reads as an IPv4 address is never a host name).
 */
function isHostname(name: string, label: RegExp): boolean {
  if (name.length === 0 || name.length > 253 || DIGITS_AND_DOTS.test(name)) return false;
  return name.split('.').every((l) => label.test(l));
}

/** Most {@link isDnsName} answers kept (the same SANs come back with every leaf of a workload). */
const MAX_DNS_NAMES = 4_096;
const dnsNames = new Map<string, boolean>();

/** Whether `name` is a DNS name in preferred name syntax (RFC 1034 §3.5 as relaxed by RFC 1123 §2.1). */
export function isDnsName(name: string): boolean {
  if (name.length > 253) return false;
  let valid = dnsNames.get(name);
  if (valid === undefined) {
    valid = isHostname(name, LDH_LABEL);
    if (dnsNames.size >= MAX_DNS_NAMES) dnsNames.clear();
    dnsNames.set(name, valid);
  }
  return valid;
}

/** Whether `pattern` is a valid dNSName SAN: a DNS name, or `*.` followed by one (RFC 6125 §6.4.3). */
export function isDnsPattern(pattern: string): boolean {
  return isDnsName(pattern.startsWith('*.') ? pattern.slice(2) : pattern);
}

/**
 * Whether the dNSName SAN `pattern` matches the (lowercase, no trailing dot) DNS name `name`: equal
 * ignoring case, or a `*.` wildcard standing for exactly one whole leftmost label. Invalid patterns,
 * including any with a trailing dot (as in Go) or text that is no DNS name (a `spiffe://` ID, spaces,
 * NUL), match nothing.
 */
export function dnsPatternMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  let match: boolean;
  if (!p.startsWith('*.')) match = p === name;
  else {
    const dot = name.indexOf('.');
    match = dot > 0 && name.slice(dot + 1) === p.slice(2);
  }
  return match && isDnsPattern(pattern);
}

/** Whether some SAN of the leaf matches `ref` (DNS with wildcards, IP by exact bytes, URI by exact text). */
export function sansMatch(sans: readonly GeneralName[] | undefined, ref: ReferenceName): boolean {
  for (const san of sans ?? []) if (sanMatches(san, ref)) return true;
  return false;
}

/**
 * Whether some SAN of the leaf names `ref` exactly, as Linkerd's proxy compares identities: as
 * {@link sansMatch}, but a wildcard dNSName matches nothing.
 */
export function sansMatchExactly(sans: readonly GeneralName[] | undefined, ref: ReferenceName): boolean {
  for (const san of sans ?? []) {
    if (ref.type !== 'dns') {
      if (sanMatches(san, ref)) return true;
    } else if (san.type === 'dns' && !san.value.startsWith('*.') && dnsPatternMatches(san.value, ref.value)) {
      return true;
    }
  }
  return false;
}

function sanMatches(san: GeneralName, ref: ReferenceName): boolean {
  if (ref.type === 'dns') return san.type === 'dns' && dnsPatternMatches(san.value, ref.value);
  if (ref.type === 'ip') return san.type === 'ip' && sameBytes(san.value, ref.value);
  return san.type === 'uri' && san.value === ref.value;
}

/** `ref` as readable text. */
export function formatReferenceName(ref: ReferenceName): string {
  return ref.type === 'ip' ? formatIpAddress(ref.value) : ref.value;
}
