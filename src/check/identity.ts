import { PkiError } from '../errors';
import type { IssuerInput } from '../issuer/issuer';
import type { KeyInput } from '../keys';
import { decodePem } from '../pem';
import { rfc3339, timeOf } from '../schedule/time';
import { EXPIRY_WARNING_WINDOW_MS } from '../schedule/window';
import { optionalArray, optionalBoolean, optionalString, requireObject, requireOptions } from '../validate';
import { createTrustStore, type TrustBundleInput, verifyChain } from '../verify';
import { parseCertificate } from '../x509/certificate';
import { type CertificateInput, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';
import { anchorAlgorithmProblem, issuerAlgorithmProblem } from './algorithms';
import { issuerKeyProblem } from './key-match';
import { type CheckResult, type CheckSpec, errorText, outcome, skipped } from './result';

/** `linkerd check` warns about certificates that expire within this. */

/**
 * Inputs of {@link checkIdentity}: what the `linkerd-identity-issuer` Secret and the trust bundle hold.
 *
 * @example
 * ```ts
 * const input: IdentityCheckInput = { bundle: caCrt, issuer: { certificate: tlsCrt, key: tlsKey } };
 * ```
 */
export interface IdentityCheckInput {
  /**
   * The trust anchors (`ca.crt`, or the `linkerd-identity-trust-roots` ConfigMap's bundle), in any
   * {@link TrustBundleInput} form.
   */
  readonly bundle: TrustBundleInput;
  /**
   * The issuer: an `Issuer`, or `{ certificate, key, chain? }` with the certificate (`tls.crt`, optionally
   * followed by intermediates up to an anchor) in any `CertificateInput` form and the key (`tls.key`) as a
   * `PrivateKey`, SEC1, PKCS#1 or PKCS#8 PEM, or PKCS#8 or SEC1 DER. Unlike everywhere else, a key l5d-pki
   * cannot sign with (RSA, P-384) is read, as `linkerd check` reads it, and reported by the later checks.
   */
  readonly issuer: IssuerInput;
  /** When the checks run. Default: the current time. */
  readonly now?: Date;
  /**
   * A name the issuer certificate must also be valid for in "issuer cert is issued by the trust anchor",
   * such as `identity.linkerd.cluster.local` (a DNS SAN, or the CN of a certificate without SANs), as
   * `linkerd check` required before 2020. Default: no name (`undefined` or `null`), as Linkerd checks
   * since linkerd2 #5237 ("Don't check for SAN in root and intermediate certs"): issuers made without a
   * SAN, as current `linkerd install` makes them, pass.
   */
  readonly issuerName?: string | null;
  /**
   * Whether a failed `fatal` check stops the checks after it, as `linkerd check` does (default `true`).
   * `false` runs every check that has what it needs, as Linkerd's own tests run checks one at a time;
   * nothing runs after "certificate config is valid" fails, since nothing could be read.
   */
  readonly stopOnFatal?: boolean;
}

/** What "certificate config is valid" reads for the checks after it. */
interface Material {
  readonly anchors: readonly Certificate[];
  readonly issuer: Certificate;
  readonly chain: readonly Certificate[];
}

interface RunContext {
  readonly now: number;
  readonly issuerName: string | undefined;
}

/** One check after the first: its description and how it judges the material. */
interface IdentityCheck extends CheckSpec {
  run(material: Material, context: RunContext): string | undefined | Promise<string | undefined>;
}

const CATEGORY = 'linkerd-identity';

const CONFIG_CHECK: CheckSpec = {
  category: CATEGORY,
  name: 'certificate config is valid',
  severity: 'fatal',
  hintAnchor: 'l5d-identity-cert-config-valid',
  hint:
    'The issuer Secret must hold the issuer certificate (PEM, tls.crt) and its own unencrypted private key ' +
    '(tls.key), and the trust anchors must be PEM certificates. Re-create the Secret from matching files.',
};

/** Go's `big.Int` decimal form of the serial number, as `linkerd check` prints it. */
function serialDecimal(cert: Certificate): string {
  const value = BigInt(`0x${cert.serialHex}`);
  const negative = (cert.serialNumber[0] ?? 0) & 0x80;
  return (negative ? value - (1n << BigInt(cert.serialNumber.length * 8)) : value).toString();
}

/** Linkerd's report on anchors: `<header>:` then one `* <serial> <CN> <problem>` line per bad anchor. */
function anchorsReport(
  anchors: readonly Certificate[],
  header: string,
  problemOf: (anchor: Certificate) => string | undefined,
): string | undefined {
  const lines: string[] = [];
  for (const anchor of anchors) {
    const problem = problemOf(anchor);
    if (problem !== undefined)
      lines.push(`* ${serialDecimal(anchor)} ${anchor.subject.commonName ?? ''} ${problem}`);
  }
  return lines.length === 0 ? undefined : `${header}:\n\t${lines.join('\n\t')}`;
}

/** Linkerd's `CheckCertValidityPeriod`: valid from notBefore to notAfter, both included. */
function validityPeriodProblem(cert: Certificate, now: number): string | undefined {
  if (cert.notBefore.getTime() > now) return `not valid before: ${rfc3339(cert.notBefore.getTime())}`;
  if (cert.notAfter.getTime() < now)
    return `not valid anymore. Expired on ${rfc3339(cert.notAfter.getTime())}`;
  return undefined;
}

/** Linkerd's `CheckExpiringSoon`: a warning when fewer than 60 days are left. */
function expiringSoonProblem(cert: Certificate, now: number): string | undefined {
  const notAfter = cert.notAfter.getTime();
  return now + EXPIRY_WARNING_WINDOW_MS > notAfter ? `will expire on ${rfc3339(notAfter)}` : undefined;
}

function prefixed(prefix: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${prefix} ${problem}`;
}

const LATER_CHECKS: readonly IdentityCheck[] = [
  {
    category: CATEGORY,
    name: 'trust anchors are using supported crypto algorithm',
    severity: 'fatal',
    hintAnchor: 'l5d-identity-trustAnchors-use-supported-crypto',
    hint:
      'Trust anchors must use an ECDSA P-256 key (signed with ECDSA-SHA256 or SHA256-RSA) or an RSA 2048 or ' +
      '4096-bit key (signed with SHA256-RSA). Replace the listed anchors: `l5d-pki rotate anchor` makes a ' +
      'P-256 anchor and plans the rotation.',
    run: (m) => anchorsReport(m.anchors, 'Invalid trustAnchors', anchorAlgorithmProblem),
  },
  {
    category: CATEGORY,
    name: 'trust anchors are within their validity period',
    severity: 'fatal',
    hintAnchor: 'l5d-identity-trustAnchors-are-time-valid',
    hint:
      'An expired anchor breaks every certificate under it: replace the anchor and the issuer together ' +
      '(Linkerd\'s "Replacing expired certificates"). A not-yet-valid anchor points at a clock or notBefore problem.',
    run: (m, c) => anchorsReport(m.anchors, 'Invalid anchors', (a) => validityPeriodProblem(a, c.now)),
  },
  {
    category: CATEGORY,
    name: 'trust anchors are valid for at least 60 days',
    severity: 'warning',
    hintAnchor: 'l5d-identity-trustAnchors-not-expiring-soon',
    hint:
      'Rotate the trust anchor before it expires: add the new anchor to the bundle, re-sign the issuer under ' +
      'it, then drop the old anchor (`l5d-pki rotate anchor --bundle ca.crt` lays out the steps).',
    run: (m, c) => anchorsReport(m.anchors, 'Anchors expiring soon', (a) => expiringSoonProblem(a, c.now)),
  },
  {
    category: CATEGORY,
    name: 'issuer cert is using supported crypto algorithm',
    severity: 'fatal',
    hintAnchor: 'l5d-identity-issuer-cert-uses-supported-crypto',
    hint:
      'The issuer must have an ECDSA P-256 key. Make a new issuer under the trust anchor ' +
      '(`l5d-pki rotate issuer --anchor-cert ca.crt --anchor-key ca.key`).',
    run: (m) => prefixed('issuer certificate', issuerAlgorithmProblem(m.issuer)),
  },
  {
    category: CATEGORY,
    name: 'issuer cert is within its validity period',
    severity: 'fatal',
    hintAnchor: 'l5d-identity-issuer-cert-is-time-valid',
    hint:
      'Issue a new issuer certificate under a valid trust anchor and update the issuer Secret ' +
      '(`l5d-pki rotate issuer`); the identity service reloads it without a restart.',
    run: (m, c) => prefixed('issuer certificate is', validityPeriodProblem(m.issuer, c.now)),
  },
  {
    category: CATEGORY,
    name: 'issuer cert is valid for at least 60 days',
    severity: 'warning',
    hintAnchor: 'l5d-identity-issuer-cert-not-expiring-soon',
    hint:
      'Rotate the issuer (`l5d-pki rotate issuer`), before it has 60 days left (`l5d-pki needs-renewal --cert issuer.crt`), or let ' +
      'cert-manager renew it (`l5d-pki manifests cert-manager`).',
    run: (m, c) => prefixed('issuer certificate', expiringSoonProblem(m.issuer, c.now)),
  },
  {
    category: CATEGORY,
    name: 'issuer cert is issued by the trust anchor',
    severity: 'error',
    hintAnchor: 'l5d-identity-issuer-cert-issued-by-trust-anchor',
    hint:
      'The issuer must chain to one of the trust anchors: re-sign it with an anchor of the bundle ' +
      '(`l5d-pki rotate issuer`), or put its anchor in the bundle first (`l5d-pki rotate anchor`).',
    run: async (m, c) => {
      const result = await verifyChain({
        leaf: m.issuer,
        intermediates: m.chain,
        bundle: m.anchors,
        at: new Date(c.now),
        usage: 'server',
      });
      if (!result.ok) return `issuer certificate does not verify against the trust anchors: ${result.reason}`;
      if (c.issuerName !== undefined && !validForName(m.issuer, c.issuerName)) {
        return `issuer certificate is not valid for ${c.issuerName}`;
      }
      return undefined;
    },
  },
];

/**
 * Whether the issuer is valid for `name` as Go's verifier decided when `linkerd check` asked: by its DNS
 * SANs, or, for a certificate without SANs, by its CN.
 */
function validForName(cert: Certificate, name: string): boolean {
  const wanted = name.toLowerCase();
  const dns = (cert.subjectAltNames ?? []).flatMap((n) => (n.type === 'dns' ? [n.value.toLowerCase()] : []));
  return cert.subjectAltNames === undefined
    ? cert.subject.commonName?.toLowerCase() === wanted
    : dns.includes(wanted);
}

/** "certificate config is valid": reads everything, as Linkerd's `checkCertificatesConfig` does. */
function readMaterial(
  given: { certificate: CertificateInput; key: KeyInput; chain?: unknown },
  bundle: TrustBundleInput,
): Material | string {
  let certs: Certificate[];
  try {
    if (typeof given.certificate === 'string') {
      certs = decodePem(given.certificate)
        .filter((b) => b.label === 'CERTIFICATE')
        .map((b) => parseCertificate(b.der));
    } else {
      certs = [toCertificate(given.certificate)];
    }
    const more = optionalArray(given.chain, '`issuer.chain`') ?? [];
    for (const c of more) certs.push(toCertificate(c as CertificateInput));
  } catch (e) {
    return `could not parse issuer certificate: ${errorText(e)}`;
  }
  const [issuer, ...chain] = certs;
  if (!issuer) return 'could not parse issuer certificate: no certificates found';
  const keyProblem = issuerKeyProblem(given.key, issuer);
  if (keyProblem !== undefined) return keyProblem;
  try {
    return { anchors: createTrustStore(bundle).anchors, issuer, chain };
  } catch (e) {
    return `could not parse the trust anchors: ${errorText(e)}`;
  }
}

/**
 * The checks of `linkerd check`'s `linkerd-identity` category, in Linkerd's order, with its names,
 * severities, hint anchors and messages:
 * 1. certificate config is valid (fatal): the issuer certificate and trust anchors parse, and the key is
 *    the issuer certificate's;
 * 2. trust anchors are using supported crypto algorithm (fatal);
 * 3. trust anchors are within their validity period (fatal): `not valid before: <RFC 3339>` or
 *    `not valid anymore. Expired on <RFC 3339>`;
 * 4. trust anchors are valid for at least 60 days (warning);
 * 5. issuer cert is using supported crypto algorithm (fatal): an ECDSA P-256 key;
 * 6. issuer cert is within its validity period (fatal);
 * 7. issuer cert is valid for at least 60 days (warning);
 * 8. issuer cert is issued by the trust anchor (error): a full path validation of the issuer (as the leaf,
 *    for server authentication, as Go's `Verify` does for Linkerd) to the anchors at `now`, with no name
 *    unless `issuerName` asks for one.
 *
 * A failed fatal check marks every later check `skipped`, unless `stopOnFatal` is `false`. Never throws
 * for bad certificates or keys: they are check failures.
 *
 * @example
 * ```ts
 * const results = await checkIdentity({ bundle: caCrt, issuer: { certificate: tlsCrt, key: tlsKey } });
 * console.log(formatCheckResults(results, { output: 'table' }));
 * ```
 */
export async function checkIdentity(input: IdentityCheckInput): Promise<CheckResult[]> {
  requireOptions(input, 'checkIdentity');
  if (input.issuerName !== null) optionalString(input.issuerName, '`issuerName`');
  optionalBoolean(input.stopOnFatal, '`stopOnFatal`');
  const issuerInput = requireObject(input.issuer, '`issuer`') as {
    certificate: CertificateInput;
    key: KeyInput;
    chain?: unknown;
  };
  if (input.bundle === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', '`bundle` is required');
  const context: RunContext = {
    now: input.now === undefined ? Date.now() : timeOf(input.now, 'now'),
    issuerName: input.issuerName ?? undefined,
  };
  const material = readMaterial(issuerInput, input.bundle);
  if (typeof material === 'string') {
    return [outcome(CONFIG_CHECK, material), ...LATER_CHECKS.map((c) => skipped(c, CONFIG_CHECK.name))];
  }
  const results = [outcome(CONFIG_CHECK, undefined)];
  const stopOnFatal = input.stopOnFatal ?? true;
  let blocker: string | undefined;
  for (const check of LATER_CHECKS) {
    if (blocker !== undefined && stopOnFatal) {
      results.push(skipped(check, blocker));
      continue;
    }
    const result = outcome(check, await check.run(material, context));
    if (result.status === 'error' && check.severity === 'fatal') blocker ??= check.name;
    results.push(result);
  }
  return results;
}
