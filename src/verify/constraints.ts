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

/** Why `names` violate `nc`, or `undefined` when they satisfy it. */
export function nameConstraintsProblem(
  nc: NameConstraints,
  names: readonly GeneralName[],
  budget: Budget,
): Problem | undefined {
  for (const name of names) {
    const found = permittedProblem(nc, name, budget) ?? excludedProblem(nc, name, budget);
    if (found) return found;
  }
  return undefined;
}

function permittedProblem(nc: NameConstraints, name: GeneralName, budget: Budget): Problem | undefined {
  const subtrees = (nc.permitted ?? []).filter((c) => sameForm(c, name));
  if (subtrees.length === 0) return undefined;
  for (const c of subtrees) {
    const match = matches('permitted', c, name, budget);
    if (match !== false) return match === true ? undefined : match;
  }
  return problem('NAME_CONSTRAINTS', `${describe(name)} is outside every permitted subtree`);
}

function excludedProblem(nc: NameConstraints, name: GeneralName, budget: Budget): Problem | undefined {
  for (const c of (nc.excluded ?? []).filter((e) => sameForm(e, name))) {
    const match = matches('excluded', c, name, budget);
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
function matches(kind: SubtreeKind, c: GeneralName, name: GeneralName, budget: Budget): boolean | Problem {
  const spent = budget.nameCheck();
  if (spent) return spent;
  if (c.type === 'dns' && name.type === 'dns') return dnsMatches(kind, c, name);
  if (c.type === 'ip' && name.type === 'ip') {
    return isValidSubnet(c.value) ? inSubnet(name.value, c.value) : malformedConstraint(c);
  }
  if (c.type === 'email' && name.type === 'email') return emailMatches(c.value, name.value);
  if (c.type === 'uri' && name.type === 'uri') return uriMatches(c.value, name.value);
  if (c.type === 'dn' && name.type === 'dn') return dnWithin(name.value, c.value);
  return problem('NAME_CONSTRAINTS', `name constraints on ${describe(name)}'s form are not supported`);
}

/** Whether `name` is `base` or a subdomain of it (both lowercase). */
function dnsWithin(name: string, base: string): boolean {
  return name === base || name.endsWith(`.${base}`);
}

/**
 * dNSName subtrees. A wildcard SAN `*.base` stands for every one-label child of `base`: a permitted
 * subtree must contain all of them, an excluded subtree must not contain any (RFC 9525 meets RFC 5280).
 */
function dnsMatches(kind: SubtreeKind, constraint: DnsName, san: DnsName): boolean | Problem {
  const c = lowercaseIf(constraint, isDnsName);
  if (c === undefined) return malformedConstraint(constraint);
  const name = lowercaseIf(san, isDnsPattern);
  if (name === undefined) return malformedName(san);
  if (!name.startsWith('*.')) return dnsWithin(name, c);
  const base = name.slice(2);
  if (dnsWithin(base, c)) return true;
  return kind === 'excluded' && c.endsWith(`.${base}`) && !c.slice(0, -base.length - 1).includes('.');
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

const URI_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/;

/** The DNS host of a URI (e.g. a SPIFFE ID's trust domain), lowercase, or `undefined` when it has none. */
function uriHost(uri: string): string | undefined {
  const authority = URI_AUTHORITY.exec(uri)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:[0-9]*$/, '');
  return isDnsName(host) ? host.toLowerCase() : undefined;
}

/** URI subtrees constrain the host: `host` exactly, or `.domain` for its subdomains. */
function uriMatches(constraint: string, san: string): boolean | Problem {
  const host = uriHost(san);
  if (host === undefined) {
    return problem(
      'NAME_CONSTRAINTS',
      `${describe({ type: 'uri', value: san })} has no DNS host to check against name constraints`,
    );
  }
  return hostMatches(constraint, host) ?? malformedConstraint({ type: 'uri', value: constraint });
}

/** Whether `name` is within the directoryName subtree `base`: `base`'s RDNs start `name`'s. */
function dnWithin(name: Name, base: Name): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => sameRdn(rdn, name.rdns[i]!));
}

function sameRdn(a: readonly NameAttribute[], b: readonly NameAttribute[]): boolean {
  return (
    a.length === b.length && a.every((x) => b.some((y) => x.oid === y.oid && fold(x.value) === fold(y.value)))
  );
}

/** Attribute values compare ignoring case and runs of spaces (RFC 5280 §7.1, simplified RFC 4518). */
function fold(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
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
