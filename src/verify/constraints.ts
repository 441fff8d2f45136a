/**
 * Name constraints (RFC 5280 §4.2.1.10) for dNSName, iPAddress, rfc822Name, URI and directoryName.
 * A constraint only applies to names of its own form. A name of a form l5d-pki cannot evaluate against a
 * constraint of that form (otherName, x400Address, ...), or a malformed name or constraint met while
 * evaluating, fails the check: unprocessable constraints must not be ignored.
 */
import { OID } from '../x509/oids';
import type { Certificate, GeneralName, Name, NameAttribute, NameConstraints } from '../x509/types';
import type { Budget } from './budget';
import { formatIpAddress, formatSubnet, inSubnet, isValidSubnet } from './ip';
import { isDnsName, isDnsPattern } from './names';
import { type Problem, problem } from './result';

/** A subtree's role: a permitted subtree must contain a name, an excluded one must not touch it. */
type SubtreeKind = 'permitted' | 'excluded';

const namesCache = new WeakMap<Certificate, readonly GeneralName[]>();

/**
 * The names of `cert` that name constraints apply to: its SANs, its subject (when not empty) as a
 * directoryName, and the legacy emailAddress attributes of its subject as rfc822Names.
 */
export function constrainedNames(cert: Certificate): readonly GeneralName[] {
  let names = namesCache.get(cert);
  if (!names) {
    const subject = cert.subject.rdns.length > 0 ? [{ type: 'dn' as const, value: cert.subject }] : [];
    const emails = cert.subject.rdns
      .flat()
      .filter((a) => a.oid === OID.emailAddress)
      .map((a) => ({ type: 'email' as const, value: a.value }));
    names = [...(cert.subjectAltNames ?? []), ...subject, ...emails];
    namesCache.set(cert, names);
  }
  return names;
}

/**
 * Why `names` violate `nc`, or `undefined` when they satisfy it. Under the strict profile (`strict`), a
 * dNSName constraint with a leading dot is malformed, as RFC 5280 §4.2.1.10 reads (only URI and rfc822Name
 * constraints have that form); by default it means the subdomains of what follows, as Go and OpenSSL read it.
 *
 * @example
 * ```ts
 * const found = nameConstraintsProblem(issuer.nameConstraints, constrainedNames(leaf), budget, false);
 * if (found) console.log(found.code); // NAME_CONSTRAINTS
 * ```
 */
export function nameConstraintsProblem(
  nc: NameConstraints,
  names: readonly GeneralName[],
  budget: Budget,
  strict = false,
): Problem | undefined {
  for (const name of names) {
    const found = permittedProblem(nc, name, budget, strict) ?? excludedProblem(nc, name, budget, strict);
    if (found) return found;
  }
  return undefined;
}

function permittedProblem(
  nc: NameConstraints,
  name: GeneralName,
  budget: Budget,
  strict: boolean,
): Problem | undefined {
  const subtrees = (nc.permitted ?? []).filter((c) => sameForm(c, name));
  if (subtrees.length === 0) return undefined;
  for (const c of subtrees) {
    const match = matches('permitted', c, name, budget, strict);
    if (match !== false) return match === true ? undefined : match;
  }
  return problem('NAME_CONSTRAINTS', `${describe(name)} is outside every permitted subtree`);
}

function excludedProblem(
  nc: NameConstraints,
  name: GeneralName,
  budget: Budget,
  strict: boolean,
): Problem | undefined {
  for (const c of (nc.excluded ?? []).filter((e) => sameForm(e, name))) {
    const match = matches('excluded', c, name, budget, strict);
    if (match === true)
      return problem('NAME_CONSTRAINTS', `${describe(name)} is in an excluded subtree (${describe(c)})`);
    if (match !== false) return match;
  }
  return undefined;
}

function sameForm(constraint: GeneralName, name: GeneralName): boolean {
  if (constraint.type === 'other') return name.type === 'other' && name.tag === constraint.tag;
  return constraint.type === name.type;
}

/** Whether `name` falls in the subtree `c` (of the same form), or the problem that prevents telling. */
function matches(
  kind: SubtreeKind,
  c: GeneralName,
  name: GeneralName,
  budget: Budget,
  strict: boolean,
): boolean | Problem {
  const spent = budget.nameCheck();
  if (spent) return spent;
  if (c.type === 'dns' && name.type === 'dns') {
    return strict && c.value.startsWith('.') ? malformedConstraint(c) : dnsMatches(kind, c, name);
  }
  if (c.type === 'ip' && name.type === 'ip') {
    return isValidSubnet(c.value) ? inSubnet(name.value, c.value) : malformedConstraint(c);
  }
  if (c.type === 'email' && name.type === 'email') return emailMatches(c.value, name.value);
  if (c.type === 'uri' && name.type === 'uri') return uriMatches(c.value, name.value);
  if (c.type === 'dn' && name.type === 'dn') return dnMatches(kind, c.value, name.value);
  return problem('NAME_CONSTRAINTS', `name constraints on ${describe(name)}'s form are not supported`);
}

/**
 * A dNSName constraint, parsed: `base` (lowercase, `''` for the empty constraint, which every DNS name is
 * within) and whether only its subdomains are within (a leading dot, `.cluster.local`: Go's and OpenSSL's
 * reading). `undefined` when malformed.
 */
interface DnsSubtree {
  readonly base: string;
  readonly subdomainsOnly: boolean;
}

const dnsSubtrees = new WeakMap<DnsName, DnsSubtree | null>();

/** `constraint` parsed as a {@link DnsSubtree}, memoized per constraint object. */
function dnsSubtree(constraint: DnsName): DnsSubtree | undefined {
  let out = dnsSubtrees.get(constraint);
  if (out === undefined) {
    const text = constraint.value;
    const subdomainsOnly = text.startsWith('.');
    const base = subdomainsOnly ? text.slice(1) : text;
    out =
      text === ''
        ? { base: '', subdomainsOnly: false }
        : isDnsName(base)
          ? { base: base.toLowerCase(), subdomainsOnly }
          : null;
    dnsSubtrees.set(constraint, out);
  }
  return out ?? undefined;
}

/** Whether the lowercase DNS name `name` is within subtree `c`. */
function dnsWithin(name: string, c: DnsSubtree): boolean {
  if (c.base === '') return true;
  return (!c.subdomainsOnly && name === c.base) || name.endsWith(`.${c.base}`);
}

/**
 * dNSName subtrees. A wildcard SAN `*.base` stands for every one-label child of `base`: a permitted
 * subtree must contain all of them, an excluded subtree must not contain any (RFC 9525 meets RFC 5280).
 */
function dnsMatches(kind: SubtreeKind, constraint: DnsName, san: DnsName): boolean | Problem {
  const c = dnsSubtree(constraint);
  if (c === undefined) return malformedConstraint(constraint);
  const name = lowercaseIf(san, isDnsPattern);
  if (name === undefined) return malformedName(san);
  if (!name.startsWith('*.')) return dnsWithin(name, c);
  const base = name.slice(2);
  // Every child of `base` is within `c` when `base` itself is (a proper subdomain of `c` or `c` itself).
  if (c.base === '' || base === c.base || base.endsWith(`.${c.base}`)) return true;
  // An excluded subtree `c` that is itself one child of `base` is touched by the wildcard; `.c` is not.
  return (
    kind === 'excluded' &&
    !c.subdomainsOnly &&
    c.base.endsWith(`.${base}`) &&
    !c.base.slice(0, -base.length - 1).includes('.')
  );
}

type DnsName = Extract<GeneralName, { type: 'dns' }>;
const lowercased = new WeakMap<DnsName, string | null>();

/**
 * `name`'s value in lowercase when `valid` accepts it, else `undefined`. Memoized per name object: a
 * constraint or a SAN is met again for every pair checked.
 */
function lowercaseIf(name: DnsName, valid: (text: string) => boolean): string | undefined {
  let out = lowercased.get(name);
  if (out === undefined) {
    out = valid(name.value) ? name.value.toLowerCase() : null;
    lowercased.set(name, out);
  }
  return out ?? undefined;
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

/** An rfc822Name split into its local part and lowercase domain, or `undefined` when malformed. */
function mailbox(text: string): { local: string; domain: string } | undefined {
  const at = text.indexOf('@');
  if (at <= 0 || text.indexOf('@', at + 1) >= 0) return undefined;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  return LOCAL_PART.test(local) && isDnsName(domain) ? { local, domain: domain.toLowerCase() } : undefined;
}

/**
 * rfc822Name subtrees: a mailbox (`user@host`, exact), a host (`host`, every mailbox there) or a domain
 * (`.host`, mailboxes in its subdomains). Characters such as `*` are literal.
 */
function emailMatches(constraint: string, san: string): boolean | Problem {
  const name = mailbox(san);
  if (!name) return malformedName({ type: 'email', value: san });
  if (constraint.includes('@')) {
    const c = mailbox(constraint);
    if (!c) return malformedConstraint({ type: 'email', value: constraint });
    return c.local === name.local && c.domain === name.domain;
  }
  return hostMatches(constraint, name.domain) ?? malformedConstraint({ type: 'email', value: constraint });
}

/** A `host` or `.domain` constraint against a lowercase host name; `undefined` when malformed. */
function hostMatches(constraint: string, host: string): boolean | undefined {
  const domain = constraint.startsWith('.');
  const c = (domain ? constraint.slice(1) : constraint).toLowerCase();
  if (!isDnsName(c)) return undefined;
  return domain ? host.endsWith(`.${c}`) : host === c;
}

/** Every character RFC 3986 allows in a URI: unreserved, reserved and `%` (checked further below). */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
/** A percent sign not followed by two hex digits. */
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/** scheme ":" "//" authority, and what follows it (RFC 3986 §3). */
const URI_HEAD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/;
/** userinfo: unreserved, pct-encoded, sub-delims and ":" (RFC 3986 §3.2.1). */
const USERINFO = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;
const PORT = /^[0-9]*$/;

/**
 * The host of `uri`, lowercase, when the URI is strictly RFC 3986 and its authority's host is a DNS name;
 * otherwise why it cannot be checked against URI name constraints. Strict means: only RFC 3986's
 * characters (no backslash, space, control or non-ASCII character), well-formed percent-encoding, a
 * `scheme://authority` head, at most one `@`, and a userinfo and a port of their own character sets.
 * Parsers disagree on everything else (`https://good.com\@evil.com/` is good.com to a WHATWG parser and
 * evil.com to a naive one), so no reading of such a URI can be trusted to decide a subtree. A host that is
 * empty, an IP address or IP-literal, or percent-encoded is refused too: RFC 5280 §4.2.1.10 requires a
 * fully qualified domain name (Go refuses the same).
 *
 * @example
 * ```ts
 * uriHostForConstraints('spiffe://Cluster.Local/ns/a/sa/b'); // { host: 'cluster.local' }
 * uriHostForConstraints('https://good.com\\@evil.com/x'); // { reason: 'is not a strict RFC 3986 URI' }
 * ```
 */
export function uriHostForConstraints(uri: string): { host: string } | { reason: string } {
  if (!URI_CHARACTERS.test(uri) || BAD_PERCENT.test(uri)) return { reason: 'is not a strict RFC 3986 URI' };
  const authority = URI_HEAD.exec(uri)?.[1];
  if (authority === undefined) return { reason: 'has no authority (scheme://host)' };
  const at = authority.indexOf('@');
  if (at !== authority.lastIndexOf('@')) return { reason: 'has an ambiguous authority (several @)' };
  if (at >= 0 && !USERINFO.test(authority.slice(0, at))) return { reason: 'has a malformed userinfo' };
  const hostPort = authority.slice(at + 1);
  if (hostPort.includes('[') || hostPort.includes(']'))
    return { reason: 'has an IP-literal host, which URI constraints cannot be checked against' };
  const colon = hostPort.indexOf(':');
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  if (colon >= 0 && !PORT.test(hostPort.slice(colon + 1))) return { reason: 'has a malformed port' };
  if (host === '') return { reason: 'has an empty host' };
  if (!isDnsName(host)) return { reason: 'has a host that is not a DNS name' };
  return { host: host.toLowerCase() };
}

/**
 * URI subtrees constrain the host (RFC 5280 §4.2.1.10): `host` exactly, `.domain` for its subdomains, and
 * the empty constraint every host (as Go reads it). A URI whose host cannot be read unambiguously (see
 * {@link uriHostForConstraints}) fails, whether the subtree is permitted or excluded.
 */
function uriMatches(constraint: string, san: string): boolean | Problem {
  const parsed = uriHostForConstraints(san);
  if ('reason' in parsed) {
    return problem(
      'NAME_CONSTRAINTS',
      `${describe({ type: 'uri', value: san })} ${parsed.reason}: it cannot be checked against name constraints`,
    );
  }
  if (constraint === '') return true;
  return hostMatches(constraint, parsed.host) ?? malformedConstraint({ type: 'uri', value: constraint });
}

/**
 * Whether `name` is within the directoryName subtree `base` (`base`'s RDNs start `name`'s), or
 * `undefined` when {@link attributeValuesEqual} cannot tell for an attribute compared.
 */
function dnWithin(name: Name, base: Name): boolean | undefined {
  if (base.rdns.length > name.rdns.length) return false;
  let undecided = false;
  for (let i = 0; i < base.rdns.length; i++) {
    const same = sameRdn(base.rdns[i]!, name.rdns[i]!);
    if (same === false) return false;
    if (same === undefined) undecided = true;
  }
  return undecided ? undefined : true;
}

/**
 * Whether the RDNs `a` (of a constraint) and `b` (of a name) are equal: the same number of attributes, and
 * each of `a`'s equal to one of `b`'s. `undefined` when only an undecidable comparison stands in the way.
 */
function sameRdn(a: readonly NameAttribute[], b: readonly NameAttribute[]): boolean | undefined {
  if (a.length !== b.length) return false;
  let undecided = false;
  for (const x of a) {
    let found: boolean | undefined = false;
    for (const y of b) {
      if (x.oid !== y.oid) continue;
      const equal = attributeValuesEqual(x.value, y.value);
      if (equal === true) {
        found = true;
        break;
      }
      if (equal === undefined) found = undefined;
    }
    if (found === false) return false;
    if (found === undefined) undecided = true;
  }
  return undecided ? undefined : true;
}

/** Printable ASCII: the strings RFC 4518's preparation leaves as they are, but for case and spaces. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Whether two attribute values match as RFC 5280 §7.1 says (caseIgnoreMatch after RFC 4518's string
 * preparation), or `undefined` when l5d-pki cannot tell. Identical values always match. For printable ASCII
 * the preparation is exactly ASCII case folding and insignificant space handling (leading and trailing
 * spaces dropped, inner runs kept as one), so those compare that way. Any other value (a control,
 * zero-width, fullwidth or other non-ASCII character) would need the whole preparation (mapping, NFKC,
 * case folding, prohibited characters) to compare, which l5d-pki does not implement: rather than guess,
 * the comparison is undecided, and the caller fails closed (an undecided excluded subtree is a violation,
 * an undecided permitted one does not admit the name). So `O=Evil` written with a zero-width space or
 * fullwidth letters cannot slip past an excluded `O=Evil`.
 */
function attributeValuesEqual(a: string, b: string): boolean | undefined {
  if (a === b) return true;
  if (!PRINTABLE_ASCII.test(a) || !PRINTABLE_ASCII.test(b)) return undefined;
  return asciiFold(a) === asciiFold(b);
}

function asciiFold(value: string): string {
  return value.trim().replace(/ +/g, ' ').toLowerCase();
}

/**
 * directoryName subtrees. A comparison that cannot be decided (see {@link attributeValuesEqual}) fails
 * closed: inside an excluded subtree for all l5d-pki knows, so a violation; not shown to be inside a
 * permitted one, so not admitted by it.
 */
function dnMatches(kind: SubtreeKind, base: Name, name: Name): boolean | Problem {
  const within = dnWithin(name, base);
  if (within !== undefined) return within;
  if (kind === 'permitted') return false;
  return problem(
    'NAME_CONSTRAINTS',
    'directoryName has attribute values that cannot be compared with an excluded subtree (characters outside printable ASCII)',
  );
}

function malformedConstraint(c: GeneralName): Problem {
  return problem('NAME_CONSTRAINTS', `malformed name constraint ${describe(c)}`);
}

function malformedName(name: GeneralName): Problem {
  return problem(
    'NAME_CONSTRAINTS',
    `malformed ${describe(name)} cannot be checked against name constraints`,
  );
}

function describe(name: GeneralName): string {
  switch (name.type) {
    case 'ip':
      return `iPAddress ${name.value.length === 4 || name.value.length === 16 ? formatIpAddress(name.value) : formatSubnet(name.value)}`;
    case 'dn':
      return 'directoryName';
    case 'other':
      return `GeneralName [${name.tag & 0x1f}]`;
    default:
      return `${name.type === 'email' ? 'rfc822Name' : name.type === 'dns' ? 'dNSName' : 'URI'} ${JSON.stringify(name.value)}`;
  }
}
