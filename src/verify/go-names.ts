/**
 * The names Go's crypto/x509 refuses to parse. Linkerd's control plane is written in Go, and a
 * certificate Go cannot parse is one l5d-pki refuses too:
 * - every uniformResourceIdentifier SAN goes through net/url's `Parse`, and its host, if any, must be
 *   a domain ({@link uriSanProblem});
 * - every name constraint must be well formed: a dNSName or URI constraint a domain (a URI constraint
 *   not an IP address), an rfc822Name constraint a mailbox or a domain, an iPAddress constraint a
 *   prefix mask ({@link nameConstraintValuesProblem}).
 * The rules are Go's, written out, and nothing more: every name Go reads is accepted
 * (`test/verify-go-uris.test.ts` and `test/verify-go-constraints.test.ts` compare the two on random
 * names).
 */
import { quoteInput } from '../errors';
import type { GeneralName, NameConstraints } from '../x509/types';
import { formatSubnet, isValidSubnet, parseIpAddress } from './ip';

/** ASCII characters a host may hold unescaped (`:` and `[ ]` for ports and IPv6), and userinfo. */
const HOST = 1;
const USERINFO = 2;
const ALLOWED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alphanumeric = /[A-Za-z0-9]/.test(ch);
  if (alphanumeric || '!$&\'()*+,;=:[]<>"-_.~'.includes(ch)) ALLOWED[c]! |= HOST;
  if (alphanumeric || "-._:~!$&'()*+,;=%@".includes(ch)) ALLOWED[c]! |= USERINFO;
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (isDigit(c)) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Whether `s` holds a `%` not followed by two hexadecimal digits. */
function hasBadEscape(s: string): boolean {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 3)) {
    if (i + 2 >= s.length || hexValue(s.charCodeAt(i + 1)) < 0 || hexValue(s.charCodeAt(i + 2)) < 0)
      return true;
  }
  return false;
}

/** Whether a host may hold `c` unescaped. */
function hostMayHold(c: number): boolean {
  return c < 128 && (ALLOWED[c]! & HOST) !== 0;
}

/**
 * `s`, part of a host (`zone`: of an IPv6 zone identifier), with its escapes decoded (one character per
 * byte), or `undefined` when the host may not hold it: a character outside {@link hostMayHold}, a
 * malformed escape, or an escaped ASCII byte (only `%25` may escape one; in a zone, any byte a host may
 * hold). net/url also lets a zone escape a space, which no domain may then hold.
 */
function unescapeHost(s: string, zone: boolean): string | undefined {
  if (!s.includes('%')) {
    for (let i = 0; i < s.length; i++) if (!hostMayHold(s.charCodeAt(i))) return undefined;
    return s;
  }
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c !== 0x25) {
      if (!hostMayHold(c)) return undefined;
      out += s[i];
      i++;
      continue;
    }
    const high = i + 2 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
    const low = i + 2 < s.length ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (high < 0 || low < 0) return undefined;
    const byte = (high << 4) | low;
    const percent = byte === 0x25;
    if (!zone && high < 8 && !percent) return undefined;
    if (zone && !percent && !hostMayHold(byte)) return undefined;
    out += String.fromCharCode(byte);
    i += 3;
  }
  return out;
}

/** Whether `port` is empty or `:` and digits. */
function isOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  for (let i = 1; i < port.length; i++) if (!isDigit(port.charCodeAt(i))) return false;
  return true;
}

/** The host of an authority's host part, decoded, or why it is not one. */
function parseHost(host: string): { host: string } | { problem: string } {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return { problem: "an IPv6 host without its ']'" };
    if (!isOptionalPort(host.slice(close + 1))) return { problem: 'an invalid port' };
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      const parts = [
        unescapeHost(host.slice(0, zone), false),
        unescapeHost(host.slice(zone, close), true),
        unescapeHost(host.slice(close), false),
      ];
      if (parts.some((p) => p === undefined)) return { problem: 'a character or escape a host may not hold' };
      return { host: parts.join('') };
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !isOptionalPort(host.slice(colon))) return { problem: 'an invalid port' };
  }
  const decoded = unescapeHost(host, false);
  return decoded === undefined ? { problem: 'a character or escape a host may not hold' } : { host: decoded };
}

/** Whether every character of `s` may be in userinfo. */
function isUserinfo(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (ALLOWED[c]! & USERINFO) === 0) return false;
  }
  return true;
}

/**
 * Whether `host` is a domain to Go: empty, or labels of characters `!` to `~` separated by dots, none
 * empty (a single leading dot aside), no trailing dot.
 */
function isDomain(host: string): boolean {
  if (host === '') return true;
  let label = 0;
  for (let i = host.startsWith('.') ? 1 : 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
    } else if (c < 0x21 || c > 0x7e) return false;
    else label++;
  }
  return label > 0;
}

/** The length of a scheme and its `:` at the start of `uri` (0 when there is none), or -1 for a bare `:`. */
function schemeLength(uri: string): number {
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (isLetter(c)) continue;
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return 0;
      continue;
    }
    if (c === 0x3a) return i === 0 ? -1 : i + 1;
    return 0;
  }
  return 0;
}

/**
 * Why Go's crypto/x509 would refuse a certificate with `uri`, an ASCII string, as a
 * uniformResourceIdentifier SAN, or `undefined` when it reads it.
 *
 * @example
 * ```ts
 * uriSanProblem('spiffe://cluster.local/ns/shop/sa/web'); // undefined
 * uriSanProblem('spiffe://cluster|local/ns/shop/sa/web'); // 'a character or escape a host may not hold'
 * ```
 */
export function uriSanProblem(uri: string): string | undefined {
  const hash = uri.indexOf('#');
  const main = hash < 0 ? uri : uri.slice(0, hash);
  if (hash >= 0 && hasBadEscape(uri.slice(hash + 1))) return 'a malformed escape in the fragment';
  for (let i = 0; i < main.length; i++) {
    const c = main.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'a control character';
  }
  if (main === '*') return undefined;
  const scheme = schemeLength(main);
  if (scheme < 0) return 'a colon with no scheme before it';
  const query = main.indexOf('?', scheme);
  let rest = main.slice(scheme, query < 0 ? main.length : query);
  if (!rest.startsWith('/')) {
    if (scheme > 0) return undefined; // opaque: nothing more is read
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) return 'a colon in the first path segment';
  }
  let host = '';
  if ((scheme > 0 || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = rest.slice(2, slash < 0 ? rest.length : slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    const parsed = parseHost(authority.slice(at + 1));
    if ('problem' in parsed) return parsed.problem;
    host = parsed.host;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!isUserinfo(userinfo) || hasBadEscape(userinfo)) return 'malformed userinfo';
    }
  }
  if (hasBadEscape(rest)) return 'a malformed escape in the path';
  if (host !== '' && !isDomain(host)) return 'a host that is not a domain';
  return undefined;
}

/** `text` without one leading dot. */
function withoutLeadingDot(text: string): string {
  return text.startsWith('.') ? text.slice(1) : text;
}

/** Characters of an RFC 2821 atom (letters and digits aside), and the dot that joins atoms. */
const ATOM = new Set("!#$%&'*+-/=?^_`{|}~.");

/** Whether `c` may stand unescaped in an RFC 2821 quoted string. */
function isQuotedText(c: number): boolean {
  return (
    (c >= 1 && c <= 8) || c === 11 || c === 12 || (c >= 14 && c <= 33) || (c >= 35 && c <= 91) || c >= 93
  );
}

/**
 * Whether `text` is a mailbox to Go (RFC 2821): a local part, either a quoted string (with `\` escapes)
 * or atoms joined by single dots (a `\` escapes any character), then `@` and a domain.
 */
function isMailbox(text: string): boolean {
  let i = 0;
  if (text.startsWith('"')) {
    for (i = 1; ; ) {
      if (i >= text.length) return false;
      const c = text.charCodeAt(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const escaped = text.charCodeAt(i++);
        if (Number.isNaN(escaped) || escaped === 0 || escaped === 10 || escaped === 13) return false;
      } else if (!isQuotedText(c)) return false;
    }
  } else {
    let local = '';
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        if (i + 1 >= text.length) return false;
        local += text[i + 1];
        i += 2;
      } else if (isLetter(c) || isDigit(c) || ATOM.has(text[i]!)) {
        local += text[i];
        i++;
      } else break;
    }
    if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  }
  return text[i] === '@' && isDomain(text.slice(i + 1));
}

/** Why Go refuses `subtree` as a name constraint, or `undefined`. */
function subtreeProblem(subtree: GeneralName): string | undefined {
  switch (subtree.type) {
    case 'dns':
      return isDomain(withoutLeadingDot(subtree.value))
        ? undefined
        : `dNSName constraint ${quoteInput(subtree.value)} is not a domain`;
    case 'email': {
      const ok = subtree.value.includes('@')
        ? isMailbox(subtree.value)
        : isDomain(withoutLeadingDot(subtree.value));
      return ok
        ? undefined
        : `rfc822Name constraint ${quoteInput(subtree.value)} is neither a mailbox nor a domain`;
    }
    case 'uri':
      if (parseIpAddress(subtree.value))
        return `URI constraint ${quoteInput(subtree.value)} is an IP address`;
      return isDomain(withoutLeadingDot(subtree.value))
        ? undefined
        : `URI constraint ${quoteInput(subtree.value)} is not a domain`;
    case 'ip':
      return isValidSubnet(subtree.value)
        ? undefined
        : `iPAddress constraint ${formatSubnet(subtree.value)} has a mask that is not a prefix`;
    default:
      return undefined;
  }
}

/**
 * Why Go's crypto/x509 would refuse a certificate with these name constraints, or `undefined` when it
 * reads them. Other forms (directoryName and the rest) are Go's to leave unprocessed, not to refuse.
 *
 * @example
 * ```ts
 * nameConstraintValuesProblem({ permitted: [{ type: 'dns', value: '.cluster.local' }], excluded: undefined }); // undefined
 * nameConstraintValuesProblem({ permitted: [{ type: 'dns', value: 'a..b' }], excluded: undefined }); // 'dNSName constraint "a..b" is not a domain'
 * ```
 */
export function nameConstraintValuesProblem(nc: NameConstraints): string | undefined {
  for (const subtrees of [nc.permitted, nc.excluded]) {
    for (const subtree of subtrees ?? []) {
      const found = subtreeProblem(subtree);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
