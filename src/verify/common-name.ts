/**
 * The CA/Browser Forum's encoding rules for a TLS server certificate's subject commonName (Baseline
 * Requirements §7.1.4.3), as far as they can be judged without contradicting RFC 5280, which makes the
 * commonName no identity at all: an IP address must be written in its canonical text form, a domain name
 * in ASCII (A-labels, never Unicode), and a commonName naming a SAN dNSName must copy it character for
 * character. (Whether every commonName must also appear among the SANs is not enforced: RFC 5280 paths
 * validate with any commonName, and the certificates in the wild and in test suites disagree.) These rules
 * belong to the strict profile (`profile: 'strict'`): neither Go nor rustls-webpki reads the commonName.
 */
import type { Certificate } from '../x509/types';
import { formatIpAddress, parseIpv6 } from './ip';
import { type Problem, problem } from './result';

/** An IPv4 address in any of the inet_aton notations (decimal, octal, hex, 1 to 4 parts). */
const IPV4_ANY_NOTATION = /^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$/i;

/** The address `text` names in a lenient IPv4 or IPv6 notation, or undefined. */
function lenientIpAddress(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text);
  if (!IPV4_ANY_NOTATION.test(text)) return undefined;
  const parts = text.split('.').map((p) => (/^0x/i.test(p) ? Number.parseInt(p, 16) : Number(p)));
  if (parts.some((p) => !Number.isSafeInteger(p))) return undefined;
  let value = parts.at(-1)!;
  const head = parts.slice(0, -1);
  if (head.some((p) => p > 255) || value >= 2 ** (8 * (4 - head.length))) return undefined;
  const out = new Uint8Array(4);
  head.forEach((p, i) => {
    out[i] = p;
  });
  for (let i = 3; i >= head.length; i--, value = Math.floor(value / 256)) out[i] = value % 256;
  return out;
}

/** Why a server leaf's commonName breaks the Baseline Requirements' encoding rules, if it does. */
export function commonNameProblem(leaf: Certificate): Problem | undefined {
  const cn = leaf.subject.commonName;
  if (cn === undefined) return undefined;
  const address = lenientIpAddress(cn);
  if (address) {
    const canonical = formatIpAddress(address);
    return cn === canonical
      ? undefined
      : problem('PROFILE_VIOLATION', `commonName "${cn}" is not the canonical form of ${canonical}`);
  }
  if (cn.includes('.') && /[^\x20-\x7e]/.test(cn)) {
    return problem('PROFILE_VIOLATION', `commonName "${cn}" is a Unicode domain name (A-labels required)`);
  }
  const lower = cn.toLowerCase();
  for (const name of leaf.subjectAltNames ?? []) {
    if (name.type === 'dns' && name.value !== cn && name.value.toLowerCase() === lower) {
      return problem(
        'PROFILE_VIOLATION',
        `commonName "${cn}" is not a character-for-character copy of "${name.value}"`,
      );
    }
  }
  return undefined;
}
