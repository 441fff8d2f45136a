/**
 * Checks on a single certificate, by the role it plays on a path, under one of two profiles.
 *
 * The default profile refuses what Linkerd's own peers refuse: the proxy's rustls-webpki (certificates
 * other than v3, critical extensions it does not process, including a critical authorityKeyIdentifier,
 * subjectKeyIdentifier or authorityInfoAccess; a CA whose keyUsage lacks keyCertSign) and the control
 * plane's Go crypto/x509 (a malformed authorityInfoAccess, a negative serial number, a URI SAN or a
 * name constraint it cannot parse, a critical nameConstraints with directoryName subtrees, which it leaves
 * unprocessed), plus l5d-pki's algorithm policy and the refusal of policyConstraints it cannot process.
 * Material that both accept is accepted: CAs without a subjectKeyIdentifier, keyUsage or critical
 * basicConstraints, issued certificates without an authorityKeyIdentifier (older `linkerd install`
 * output, cert-manager issuers, OpenSSL's default CA profile).
 *
 * The strict profile (`profile: 'strict'`) adds the RFC 5280 and CA/Browser Forum rules x509-limbo
 * holds validators to: key identifiers in CAs and issued certificates, the forms of a CA's
 * authorityKeyIdentifier, critical basicConstraints and a keyUsage in CAs, serial numbers from 1 to 20
 * octets, a non-empty issuer and CA subject, and the leaf rules of {@link leafProblem}.
 *
 * Checks of certificates that may issue are memoized per certificate object, role and profile; a leaf is
 * usually seen once, so its checks have uncached forms.
 */
import { quoteInput } from '../errors';
import { decodeAuthorityInfoAccess, decodeAuthorityKeyIdentifier } from '../x509/extensions';
import { OID } from '../x509/oids';
import { type Certificate, type Extension, KeyUsage } from '../x509/types';
import { nameConstraintValuesProblem, uriSanProblem } from './go-names';
import { keyProblem } from './policy';
import { type Problem, problem } from './result';

/** Largest serial number value RFC 5280 §4.1.2.2 allows, in octets. */
const MAX_SERIAL_OCTETS = 20;

/** Extensions whose content path validation processes; any other critical extension is refused. */
const PROCESSED: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
]);

/**
 * Extensions RFC 5280 requires to be non-critical. A Map: a parsed OID used as an object key would be
 * looked up in the engine's string table on every call.
 */
const NEVER_CRITICAL: ReadonlyMap<string, string> = new Map([
  [OID.authorityKeyIdentifier, 'authorityKeyIdentifier'],
  [OID.subjectKeyIdentifier, 'subjectKeyIdentifier'],
  [OID.authorityInfoAccess, 'authorityInfoAccess'],
]);

type Check = (cert: Certificate) => Problem | undefined;

/**
 * `check`, memoized per certificate object (certificates are immutable). Each role and profile has its own
 * memo, so a verdict under one profile is never the answer under the other.
 */
function memoized(check: Check): Check {
  const memo = new WeakMap<Certificate, Problem | null>();
  return (cert) => {
    let found = memo.get(cert);
    if (found === undefined) {
      found = check(cert) ?? null;
      memo.set(cert, found);
    }
    return found ?? undefined;
  };
}

/**
 * Why `cert` may not issue the certificate below it on a path, as a trust anchor (`anchor`) or as an
 * intermediate: the checks of {@link uncachedCertificateProblem}, of {@link uncachedIssuedProblem}
 * (intermediates only) and of {@link issuerProblem}, in that order, under the strict profile when `strict`
 * (see the module's comment), memoized per certificate, role and profile.
 */
export function caProblem(cert: Certificate, anchor: boolean, strict: boolean): Problem | undefined {
  if (strict) return anchor ? strictAnchorProblem(cert) : strictIntermediateProblem(cert);
  return anchor ? anchorProblem(cert) : intermediateProblem(cert);
}

const anchorProblem: Check = memoized(
  (cert) => uncachedCertificateProblem(cert, false) ?? issuerProblem(cert, false),
);

const intermediateProblem: Check = memoized(
  (cert) =>
    uncachedCertificateProblem(cert, false) ??
    uncachedIssuedProblem(cert, false) ??
    issuerProblem(cert, false),
);

const strictAnchorProblem: Check = memoized(
  (cert) => uncachedCertificateProblem(cert, true) ?? issuerProblem(cert, true),
);

const strictIntermediateProblem: Check = memoized(
  (cert) =>
    uncachedCertificateProblem(cert, true) ?? uncachedIssuedProblem(cert, true) ?? issuerProblem(cert, true),
);

/**
 * Why `cert` may not appear anywhere on a path, trust anchors included: not v3, an unprocessed critical
 * extension, a misused extension, a URI SAN or name constraint Go cannot parse, a CA whose keyUsage lacks
 * keyCertSign, or a refused public key; under the strict profile (`strict`) also an empty issuer, and
 * keyCertSign or a pathLenConstraint in a certificate that is not a CA. Not memoized: for certificates
 * seen once (leaves).
 */
export function uncachedCertificateProblem(cert: Certificate, strict: boolean): Problem | undefined {
  return (
    formatProblem(cert, strict) ??
    extensionsProblem(cert) ??
    uriSansProblem(cert) ??
    nameConstraintValuesProblemOf(cert) ??
    (strict ? undefined : unprocessedConstraintsProblem(cert)) ??
    caConsistencyProblem(cert, strict) ??
    keyProblem(cert.publicKey)
  );
}

function extensionsProblem(cert: Certificate): Problem | undefined {
  for (const ext of cert.extensions) {
    const found = extensionProblem(ext);
    if (found) return found;
  }
  return undefined;
}

/** A URI SAN Go's crypto/x509 cannot parse: Go refuses the whole certificate ({@link uriSanProblem}). */
function uriSansProblem(cert: Certificate): Problem | undefined {
  for (const name of cert.subjectAltNames ?? []) {
    if (name.type !== 'uri') continue;
    const why = uriSanProblem(name.value);
    if (why !== undefined)
      return problem('MALFORMED', `URI subjectAltName ${quoteInput(name.value)}: ${why}`);
  }
  return undefined;
}

/** Name constraints Go's crypto/x509 cannot parse: Go refuses the whole certificate. */
function nameConstraintValuesProblemOf(cert: Certificate): Problem | undefined {
  const why = cert.nameConstraints ? nameConstraintValuesProblem(cert.nameConstraints) : undefined;
  return why === undefined ? undefined : problem('MALFORMED', `nameConstraints: ${why}`);
}

/** The name forms whose constraints Linkerd's peers process. */
const PROCESSED_CONSTRAINT_FORMS: ReadonlySet<string> = new Set(['dns', 'ip', 'email', 'uri']);

/**
 * A critical nameConstraints with a subtree of another form (directoryName above all): Go leaves such a
 * constraint unprocessed and so refuses the critical extension, and rustls-webpki lets no name through
 * a directoryName constraint. The strict profile processes directoryName constraints as RFC 5280 asks.
 */
function unprocessedConstraintsProblem(cert: Certificate): Problem | undefined {
  const nc = cert.nameConstraints;
  if (!nc || !cert.extensions.some((e) => e.oid === OID.nameConstraints && e.critical)) return undefined;
  const other = [...(nc.permitted ?? []), ...(nc.excluded ?? [])].find(
    (subtree) => !PROCESSED_CONSTRAINT_FORMS.has(subtree.type),
  );
  if (other === undefined) return undefined;
  return problem(
    'UNKNOWN_CRITICAL_EXTENSION',
    `critical nameConstraints with a ${other.type === 'dn' ? 'directoryName' : 'GeneralName'} subtree, which Linkerd's peers do not process`,
  );
}

function formatProblem(cert: Certificate, strict: boolean): Problem | undefined {
  if (cert.version !== 3)
    return problem('PROFILE_VIOLATION', `X.509 v${cert.version} certificate (v3 required)`);
  if (strict && cert.issuer.rdns.length === 0) return problem('PROFILE_VIOLATION', 'empty issuer name');
  return undefined;
}

/**
 * Why `cert`, a certificate on the path that is not a trust anchor, breaks what RFC 5280 asks of issued
 * certificates: a negative serial number (Go refuses to parse one); under the strict profile (`strict`)
 * also a serial number of zero or of more than 20 octets, and a missing authorityKeyIdentifier
 * keyIdentifier in a certificate that is not self-issued. Anchors are configured rather than issued to the
 * verifier, and widely trusted roots break these rules (serial 0, cross-signed roots without an
 * authorityKeyIdentifier). Not memoized: for certificates seen once (leaves).
 */
export function uncachedIssuedProblem(cert: Certificate, strict: boolean): Problem | undefined {
  const serial = cert.serialNumber;
  if (serial[0]! & 0x80) return problem('PROFILE_VIOLATION', 'negative serial number');
  if (!strict) return undefined;
  const value = serial[0] === 0 ? serial.subarray(1) : serial;
  if (value.length === 0) return problem('PROFILE_VIOLATION', 'serial number zero');
  if (value.length > MAX_SERIAL_OCTETS) {
    return problem(
      'PROFILE_VIOLATION',
      `serial number of ${value.length} octets (at most ${MAX_SERIAL_OCTETS})`,
    );
  }
  if (cert.selfIssued || cert.authorityKeyId) return undefined;
  return problem(
    'PROFILE_VIOLATION',
    'no authorityKeyIdentifier keyIdentifier (only self-issued certificates may omit it)',
  );
}

function extensionProblem(ext: Extension): Problem | undefined {
  const neverCritical = NEVER_CRITICAL.get(ext.oid);
  if (neverCritical !== undefined) {
    if (ext.critical) return problem('PROFILE_VIOLATION', `${neverCritical} must not be critical`);
    return ext.oid === OID.authorityInfoAccess ? authorityInfoAccessProblem(ext) : undefined;
  }
  if (ext.oid === OID.policyConstraints && !ext.critical) {
    return problem('PROFILE_VIOLATION', 'policyConstraints must be critical');
  }
  if (ext.critical && !PROCESSED.has(ext.oid)) {
    return problem('UNKNOWN_CRITICAL_EXTENSION', `critical extension ${ext.oid} is not supported`);
  }
  return undefined;
}

function authorityInfoAccessProblem(ext: Extension): Problem | undefined {
  try {
    decodeAuthorityInfoAccess(ext.value);
    return undefined;
  } catch {
    return problem('MALFORMED', 'malformed authorityInfoAccess');
  }
}

function caConsistencyProblem(cert: Certificate, strict: boolean): Problem | undefined {
  const ca = cert.basicConstraints?.ca === true;
  if (strict && !ca && cert.basicConstraints?.pathLen !== undefined) {
    return problem('PROFILE_VIOLATION', 'pathLenConstraint in a certificate that is not a CA');
  }
  const ku = cert.keyUsage;
  if (ku === undefined) return undefined;
  if (strict && !ca && ku & KeyUsage.keyCertSign)
    return problem('KEY_USAGE', 'keyCertSign in a certificate that is not a CA');
  if (ca && !(ku & KeyUsage.keyCertSign))
    return problem('KEY_USAGE', 'CA certificate whose keyUsage lacks keyCertSign');
  return undefined;
}

/**
 * Why `cert` may not be the leaf under the strict profile (rules RFC 5280 and the CA/B Forum set for end
 * entities, which neither Go nor rustls-webpki enforces): name constraints outside a CA, and a
 * subjectAltName whose criticality contradicts the subject (critical exactly when the subject is empty).
 * The default profile (`strict` false) has no leaf rules: the proxy's own test leaves have an empty
 * subject and a non-critical subjectAltName.
 */
export function leafProblem(cert: Certificate, strict: boolean): Problem | undefined {
  if (!strict) return undefined;
  if (cert.nameConstraints && cert.basicConstraints?.ca !== true) {
    return problem('PROFILE_VIOLATION', 'nameConstraints in a certificate that is not a CA');
  }
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  const emptySubject = cert.subject.rdns.length === 0;
  if (emptySubject && !san?.critical) {
    return problem('PROFILE_VIOLATION', 'empty subject without a critical subjectAltName');
  }
  if (!emptySubject && san?.critical)
    return problem('PROFILE_VIOLATION', 'critical subjectAltName with a subject');
  return undefined;
}

/**
 * Why `cert` may not issue another certificate on the path: it must be a CA (basicConstraints present with
 * cA true; keyCertSign, when it has a keyUsage, is checked by {@link caConsistencyProblem}). Under the
 * strict profile (`strict`) its basicConstraints must also be critical, it must have a keyUsage, a
 * non-empty subject and a subjectKeyIdentifier, and an authorityKeyIdentifier, if any, must hold a
 * keyIdentifier and nothing else.
 */
function issuerProblem(cert: Certificate, strict: boolean): Problem | undefined {
  const bc = cert.extensions.find((e) => e.oid === OID.basicConstraints);
  if (!bc || !cert.basicConstraints?.ca)
    return problem('NOT_A_CA', 'not a CA certificate (basicConstraints cA)');
  if (!strict) return undefined;
  if (!bc.critical) return problem('NOT_A_CA', 'basicConstraints of a CA certificate must be critical');
  if (cert.keyUsage === undefined) return problem('KEY_USAGE', 'CA certificate without keyUsage');
  if (cert.subject.rdns.length === 0)
    return problem('PROFILE_VIOLATION', 'CA certificate with an empty subject');
  if (!cert.subjectKeyId) return problem('PROFILE_VIOLATION', 'CA certificate without subjectKeyIdentifier');
  const aki = cert.extensions.find((e) => e.oid === OID.authorityKeyIdentifier);
  return aki ? caAuthorityKeyIdProblem(aki) : undefined;
}

function caAuthorityKeyIdProblem(ext: Extension): Problem | undefined {
  const aki = decodeAuthorityKeyIdentifier(ext.value);
  if (!aki.keyId) return problem('PROFILE_VIOLATION', 'authorityKeyIdentifier of a CA without keyIdentifier');
  if (aki.hasAuthorityCertIssuer || aki.hasAuthorityCertSerialNumber) {
    return problem(
      'PROFILE_VIOLATION',
      'authorityKeyIdentifier of a CA with authorityCertIssuer or serial number',
    );
  }
  return undefined;
}

/** `EXPIRED` or `NOT_YET_VALID` unless `cert` is valid at `at` (milliseconds, whole seconds). */
export function validityProblem(cert: Certificate, at: number): Problem | undefined {
  if (at < cert.notBefore.getTime()) {
    return problem('NOT_YET_VALID', `not valid before ${cert.notBefore.toISOString()}`);
  }
  if (at > cert.notAfter.getTime()) return problem('EXPIRED', `expired at ${cert.notAfter.toISOString()}`);
  return undefined;
}
