/**
 * Lint before apply: Linkerd's PKI material as Kubernetes objects (Secrets of both issuer schemes, the
 * trust-roots ConfigMap, cert-manager `Certificate`/`Issuer`/`ClusterIssuer`, trust-manager `Bundle`, Helm
 * values), checked for what makes a mesh fail later: issuers that are not CAs, keys that do not match,
 * issuers that do not chain to the anchors, unsupported keys, cert-manager specs it refuses, `ca.crt`
 * that is not a root, expiry, and damaged PEM.
 *
 * @module
 */
import { anchorAlgorithmProblem, issuerAlgorithmProblem } from '../check/algorithms';
import { issuerKeyProblem } from '../check/key-match';
import { type DurationInput, parseDuration } from '../duration';
import { isPkiError, PkiError } from '../errors';
import { decodePem, pemTextProblems } from '../pem';
import { validateCertManagerSpec } from '../schedule/cert-manager';
import { optionalDate, requireObject, requireOptions } from '../validate';
import { createTrustStore, type TrustBundleInput, verifyChain } from '../verify';
import { parseCertificate } from '../x509/certificate';
import { type Certificate, KeyUsage } from '../x509/types';
import { decodeBase64 } from './base64';
import { showValue } from './manifest';
import { isRecord } from './yaml';
import { fromYaml } from './yaml-read';

/** Why a finding was made; stable, for matching in code. */
export type LintCode =
  | 'PEM_DAMAGED'
  | 'PEM_UNREADABLE'
  | 'FIELD_MISSING'
  | 'SCHEME_MISMATCH'
  | 'NOT_A_CA'
  | 'NO_KEY_CERT_SIGN'
  | 'KEY_MISMATCH'
  | 'KEY_ALGORITHM'
  | 'NOT_CHAINED'
  | 'NO_ANCHORS'
  | 'NOT_A_ROOT'
  | 'ANCHOR_NOT_TRUSTED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'EXPIRING'
  | 'CERT_MANAGER_PRIVATE_KEY'
  | 'CERT_MANAGER_IS_CA'
  | 'CERT_MANAGER_USAGES'
  | 'CERT_MANAGER_DURATION'
  | 'CERT_MANAGER_ISSUER'
  | 'TRUST_MANAGER_BUNDLE';

/** One problem: where (source, object, field), how bad, and what. */
export interface LintFinding {
  /** `error`: Linkerd (or cert-manager, or a proxy) will fail or misbehave; `warning`: it works, but look. */
  readonly severity: 'error' | 'warning';
  /** Why, as a stable code. */
  readonly code: LintCode;
  /** The source's name (a file name), when the input named it. */
  readonly source: string | undefined;
  /** The object: `Secret linkerd/linkerd-identity-issuer`, `Helm values`, `Certificate linkerd/…`. */
  readonly object: string;
  /** The field: `data[tls.crt]`, `spec.privateKey.algorithm`, `identityTrustAnchorsPEM`. */
  readonly field: string;
  /** What is wrong, in words; never key material. */
  readonly message: string;
}

/** The result of {@link lintManifests}: `ok` exactly when there is no finding. */
export interface LintResult {
  /** Whether nothing was found (warnings count). */
  readonly ok: boolean;
  /** The code of the first error (or, when there is none, the first warning); `undefined` when `ok`. */
  readonly code: LintCode | undefined;
  /** Every finding, in input order. */
  readonly findings: readonly LintFinding[];
  /** The objects that were read and checked, as named in findings. */
  readonly objects: readonly string[];
}

/** One input text (a file), with a name for findings. */
export interface LintSource {
  /** Shown in findings, e.g. a file name. */
  readonly name?: string;
  /** YAML: one or more documents, Kubernetes objects, `List`s of them, or a Helm values file. */
  readonly text: string;
}

/** Inputs of {@link lintManifests}. */
export interface LintOptions {
  /** YAML text, one source, or several; objects in one source may refer to objects in another. */
  readonly input: string | LintSource | readonly LintSource[];
  /**
   * Trust anchors given from outside the input (`--anchors`), in any `TrustBundleInput` form: issuers
   * must chain to these or to the anchors in the input.
   */
  readonly bundle?: TrustBundleInput;
  /** When to judge validity. Default: now. */
  readonly now?: Date;
  /** Warn about certificates that expire within this. Default `1440h` (60 days), as `linkerd check`. */
  readonly warnWithin?: DurationInput;
}

const DAY_MS = 86_400_000;
const LINKERD_ISSUER_SECRET = 'linkerd-identity-issuer';
const TRUST_ROOTS = 'linkerd-identity-trust-roots';
const BUNDLE_KEY = 'ca-bundle.crt';
const CERT_MANAGER = 'cert-manager.io/';
const TRUST_MANAGER = 'trust.cert-manager.io/';

/** One Kubernetes object (or values file) of the input, with its place. */
interface Item {
  readonly obj: Record<string, unknown>;
  readonly source: string | undefined;
  readonly label: string;
}

/** A PEM field read out of an object: its certificates (if they parsed) and the raw text. */
interface PemField {
  readonly item: Item;
  readonly field: string;
  readonly text: string;
  readonly certs: readonly Certificate[];
}

/** An issuer found in the input: certificate field, key field, and `ca.crt` for `kubernetes.io/tls`. */
interface IssuerFound {
  readonly cert: PemField;
  readonly key: { readonly field: string; readonly text: string } | undefined;
  readonly ca: PemField | undefined;
}

class Linter {
  readonly findings: LintFinding[] = [];
  readonly seen = new Set<string>();
  readonly objects: string[] = [];
  readonly trustRoots: PemField[] = [];
  readonly issuers: IssuerFound[] = [];
  readonly anchorSecrets: { cert: PemField; key: { field: string; text: string } | undefined }[] = [];
  readonly certificates: Item[] = [];
  readonly issuerObjects: Item[] = [];
  readonly bundles: Item[] = [];
  readonly secrets: Item[] = [];
  readonly configMaps: Item[] = [];

  constructor(
    readonly now: number,
    readonly warnWithin: number,
  ) {}

  add(item: Item, field: string, severity: LintFinding['severity'], code: LintCode, message: string): void {
    const key = `${item.source}\0${item.label}\0${field}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ severity, code, source: item.source, object: item.label, field, message });
  }

  /** Reads a PEM text: damage findings, then the certificates in it. */
  pem(item: Item, field: string, text: string, wantCerts: boolean): PemField {
    for (const p of pemTextProblems(text)) {
      this.add(item, field, p.severity, 'PEM_DAMAGED', p.message);
    }
    const certs: Certificate[] = [];
    if (wantCerts) {
      try {
        for (const b of decodePem(text)) {
          if (b.label === 'CERTIFICATE') certs.push(parseCertificate(b.der));
        }
      } catch (e) {
        if (!isPkiError(e)) throw e;
        // The PEM damage is reported above; a certificate that does not parse is reported here.
        if (e.code !== 'ERR_PEM_INVALID' && e.code !== 'ERR_BASE64') {
          this.add(item, field, 'error', 'PEM_UNREADABLE', `a certificate does not parse: ${e.message}`);
        }
      }
      if (certs.length === 0 && text.includes('-----BEGIN ')) {
        this.add(item, field, 'error', 'PEM_UNREADABLE', 'holds no readable CERTIFICATE block');
      }
    }
    return { item, field, text, certs };
  }

  /** The text of a Secret's key, from `stringData` or base64 `data`; `undefined` (reported) when missing. */
  secretValue(item: Item, key: string, required: boolean): { field: string; text: string } | undefined {
    const str = child(item.obj, 'stringData');
    if (str !== undefined && typeof str[key] === 'string')
      return { field: `stringData[${key}]`, text: str[key] };
    const data = child(item.obj, 'data');
    const field = `data[${key}]`;
    const value = data?.[key];
    if (typeof value !== 'string' || value === '') {
      if (required) this.add(item, field, 'error', 'FIELD_MISSING', 'is missing');
      return undefined;
    }
    try {
      return { field, text: decodeBase64(value.replace(/\s+/g, '')) };
    } catch (e) {
      if (!isPkiError(e)) throw e;
      this.add(item, field, 'error', 'PEM_UNREADABLE', `is not valid base64: ${e.message}`);
      return undefined;
    }
  }

  collect(item: Item): void {
    const { obj } = item;
    const kind = obj.kind;
    const api = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (kind === undefined && obj.apiVersion === undefined) {
      this.helmValues(item);
      return;
    }
    if (kind === 'Secret' && api === 'v1') this.secrets.push(item);
    else if (kind === 'ConfigMap' && api === 'v1') this.configMaps.push(item);
    else if (kind === 'Certificate' && api.startsWith(CERT_MANAGER)) this.certificates.push(item);
    else if ((kind === 'Issuer' || kind === 'ClusterIssuer') && api.startsWith(CERT_MANAGER))
      this.issuerObjects.push(item);
    else if (kind === 'Bundle' && api.startsWith(TRUST_MANAGER)) this.bundles.push(item);
    else return;
    this.objects.push(item.label);
  }

  helmValues(item: Item): void {
    const anchors = item.obj.identityTrustAnchorsPEM;
    const tls = child(child(child(item.obj, 'identity'), 'issuer'), 'tls');
    if (typeof anchors !== 'string' && tls === undefined) return;
    this.objects.push(item.label);
    if (typeof anchors === 'string' && anchors !== '') {
      this.trustRoots.push(this.pem(item, 'identityTrustAnchorsPEM', anchors, true));
    }
    if (tls === undefined) return;
    const crt = tls.crtPEM;
    const key = tls.keyPEM;
    const base = 'identity.issuer.tls';
    if (typeof crt !== 'string' || crt === '') {
      this.add(item, `${base}.crtPEM`, 'error', 'FIELD_MISSING', 'is missing');
      return;
    }
    const scheme = child(child(item.obj, 'identity'), 'issuer')?.scheme;
    if (scheme === 'kubernetes.io/tls') {
      this.add(
        item,
        'identity.issuer.scheme',
        'warning',
        'SCHEME_MISMATCH',
        'is kubernetes.io/tls, so the chart ignores identity.issuer.tls: the issuer comes from an external Secret',
      );
    }
    this.issuers.push({
      cert: this.pem(item, `${base}.crtPEM`, crt, true),
      key:
        typeof key === 'string' && key !== ''
          ? this.keyField(item, `${base}.keyPEM`, key)
          : this.missing(item, `${base}.keyPEM`),
      ca: undefined,
    });
  }

  missing(item: Item, field: string): undefined {
    this.add(item, field, 'error', 'FIELD_MISSING', 'is missing');
    return undefined;
  }

  keyField(item: Item, field: string, text: string): { field: string; text: string } {
    for (const p of pemTextProblems(text)) this.add(item, field, p.severity, 'PEM_DAMAGED', p.message);
    return { field, text };
  }

  /** Secrets: the anchor Secret of a CA Issuer, or an issuer Secret of either scheme. */
  secret(item: Item, caSecretNames: ReadonlySet<string>): void {
    const { obj } = item;
    const type = obj.type;
    const name = metaName(obj);
    const has = (k: string) =>
      child(obj, 'data')?.[k] !== undefined || child(obj, 'stringData')?.[k] !== undefined;
    const tls = has('tls.crt') || has('tls.key');
    const linkerd = has('crt.pem') || has('key.pem');
    if (type === 'kubernetes.io/tls' || tls) {
      if (type !== 'kubernetes.io/tls') {
        this.add(
          item,
          'type',
          'error',
          'SCHEME_MISMATCH',
          `is ${showValue(type ?? 'Opaque')}, but tls.crt and tls.key belong to the kubernetes.io/tls scheme: Linkerd reads crt.pem and key.pem from a Secret that is not of type kubernetes.io/tls`,
        );
      }
      if (!tls && linkerd) {
        this.add(
          item,
          'data',
          'error',
          'SCHEME_MISMATCH',
          'holds crt.pem and key.pem (the linkerd.io/tls scheme) in a Secret of type kubernetes.io/tls, which needs tls.crt and tls.key',
        );
        return;
      }
      const crt = this.secretValue(item, 'tls.crt', true);
      const keyValue = this.secretValue(item, 'tls.key', true);
      const key = keyValue === undefined ? undefined : this.keyField(item, keyValue.field, keyValue.text);
      if (crt === undefined) return;
      const cert = this.pem(item, crt.field, crt.text, true);
      const isAnchor =
        (name !== undefined && caSecretNames.has(name)) ||
        (name !== LINKERD_ISSUER_SECRET && cert.certs[0]?.selfIssued === true);
      if (isAnchor) {
        this.anchorSecrets.push({ cert, key });
        return;
      }
      const caValue = this.secretValue(item, 'ca.crt', false);
      const ca = caValue === undefined ? undefined : this.pem(item, caValue.field, caValue.text, true);
      if (ca === undefined && name === LINKERD_ISSUER_SECRET) {
        this.add(
          item,
          'data[ca.crt]',
          'warning',
          'FIELD_MISSING',
          "is missing: Linkerd's kubernetes.io/tls scheme reads the trust anchor from it",
        );
      }
      this.issuers.push({ cert, key, ca });
      return;
    }
    if (linkerd) {
      const crt = this.secretValue(item, 'crt.pem', true);
      const keyValue = this.secretValue(item, 'key.pem', true);
      const key = keyValue === undefined ? undefined : this.keyField(item, keyValue.field, keyValue.text);
      if (crt !== undefined)
        this.issuers.push({ cert: this.pem(item, crt.field, crt.text, true), key, ca: undefined });
      return;
    }
    const ca = this.secretValue(item, 'ca.crt', false);
    if (ca !== undefined) this.trustRoots.push(this.pem(item, ca.field, ca.text, true));
    else if (name === LINKERD_ISSUER_SECRET) {
      this.add(
        item,
        'data',
        'error',
        'FIELD_MISSING',
        'holds neither crt.pem and key.pem (linkerd.io/tls) nor tls.crt and tls.key (kubernetes.io/tls)',
      );
    }
  }

  configMap(item: Item): void {
    const data = child(item.obj, 'data');
    const bundle = data?.[BUNDLE_KEY];
    if (typeof bundle === 'string' && bundle !== '') {
      this.trustRoots.push(this.pem(item, `data[${BUNDLE_KEY}]`, bundle, true));
    } else if (metaName(item.obj) === TRUST_ROOTS) {
      this.add(
        item,
        `data[${BUNDLE_KEY}]`,
        'error',
        'FIELD_MISSING',
        'is missing: Linkerd reads its trust anchors from it',
      );
    }
  }

  /** cert-manager `Certificate`s for Linkerd's issuer: the key, `isCA`, usages and durations. */
  certificate(item: Item): IssuerRef | undefined {
    const spec = child(item.obj, 'spec');
    if (spec === undefined) {
      this.add(item, 'spec', 'error', 'FIELD_MISSING', 'is missing');
      return undefined;
    }
    const linkerdIssuer =
      spec.isCA === true ||
      spec.secretName === LINKERD_ISSUER_SECRET ||
      (typeof spec.commonName === 'string' && spec.commonName.startsWith('identity.'));
    if (!linkerdIssuer) return undefined;
    if (spec.isCA !== true) {
      this.add(
        item,
        'spec.isCA',
        'error',
        'CERT_MANAGER_IS_CA',
        `is ${showValue(spec.isCA)}, not true: cert-manager issues a leaf, and Linkerd's identity service refuses an issuer that is not a CA`,
      );
    }
    const pk = child(spec, 'privateKey');
    if (pk === undefined || pk.algorithm === undefined) {
      this.add(
        item,
        'spec.privateKey.algorithm',
        'error',
        'CERT_MANAGER_PRIVATE_KEY',
        "is missing, so cert-manager makes an RSA 2048 key: Linkerd's issuer must be ECDSA P-256 (algorithm: ECDSA, size: 256)",
      );
    } else if (pk.algorithm !== 'ECDSA') {
      this.add(
        item,
        'spec.privateKey.algorithm',
        'error',
        'CERT_MANAGER_PRIVATE_KEY',
        `is ${showValue(pk.algorithm)}: Linkerd's issuer must be ECDSA P-256 (algorithm: ECDSA, size: 256)`,
      );
    } else if (pk.size !== undefined && pk.size !== 256) {
      this.add(
        item,
        'spec.privateKey.size',
        'error',
        'CERT_MANAGER_PRIVATE_KEY',
        `is ${showValue(pk.size)}: Linkerd's issuer must be ECDSA P-256 (size: 256)`,
      );
    }
    const usages = spec.usages;
    if (usages === undefined) {
      this.add(
        item,
        'spec.usages',
        'warning',
        'CERT_MANAGER_USAGES',
        'is missing: Linkerd\'s guide sets "cert sign", "crl sign", "server auth" and "client auth"',
      );
    } else if (!Array.isArray(usages)) {
      this.add(item, 'spec.usages', 'error', 'CERT_MANAGER_USAGES', 'must be a list');
    } else {
      const given = new Set(usages.map((u) => String(u)));
      const eku = [...given].filter((u) => EXT_USAGES.has(u));
      const lacking = ['server auth', 'client auth'].filter((u) => !given.has(u));
      if (eku.length > 0 && lacking.length > 0) {
        this.add(
          item,
          'spec.usages',
          'error',
          'CERT_MANAGER_USAGES',
          `lists extended key usages without ${lacking.map((u) => `"${u}"`).join(' and ')}: Go's verifier then refuses Linkerd's leaves under this issuer`,
        );
      }
      const missing = ['cert sign', 'crl sign'].filter((u) => !given.has(u));
      if (missing.length > 0) {
        this.add(
          item,
          'spec.usages',
          'warning',
          'CERT_MANAGER_USAGES',
          `lacks ${missing.map((u) => `"${u}"`).join(' and ')} (Linkerd's guide lists "cert sign", "crl sign", "server auth", "client auth")`,
        );
      }
    }
    this.durations(item, spec);
    const ref = child(spec, 'issuerRef');
    if (ref === undefined || typeof ref.name !== 'string') {
      this.add(item, 'spec.issuerRef.name', 'error', 'FIELD_MISSING', 'is missing');
      return undefined;
    }
    return { name: ref.name, kind: ref.kind === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer', from: item };
  }

  /** `duration`, `renewBefore` and `renewBeforePercentage` as cert-manager's webhook checks them. */
  durations(item: Item, spec: Record<string, unknown>): void {
    const read = (field: 'duration' | 'renewBefore'): number | undefined | null => {
      const v = spec[field];
      if (v === undefined) return undefined;
      try {
        if (typeof v !== 'string') throw new PkiError('ERR_DURATION_INVALID', 'must be a Go duration string');
        return parseDuration(v);
      } catch (e) {
        if (!isPkiError(e)) throw e;
        this.add(
          item,
          `spec.${field}`,
          'error',
          'CERT_MANAGER_DURATION',
          `${showValue(v)} is not a Go duration: ${e.message}`,
        );
        return null;
      }
    };
    const duration = read('duration');
    const renewBefore = read('renewBefore');
    const pct = spec.renewBeforePercentage;
    if (duration === null || renewBefore === null) return;
    if (pct !== undefined && typeof pct !== 'number') {
      this.add(item, 'spec.renewBeforePercentage', 'error', 'CERT_MANAGER_DURATION', 'must be a number');
      return;
    }
    const check = validateCertManagerSpec({
      ...(duration === undefined ? {} : { duration }),
      ...(renewBefore === undefined ? {} : { renewBefore }),
      ...(pct === undefined ? {} : { renewBeforePercentage: pct }),
    });
    for (const e of check.errors) {
      this.add(item, e.field, 'error', 'CERT_MANAGER_DURATION', `cert-manager refuses it: ${e.message}`);
    }
  }

  /** The cert-manager issuer a Linkerd issuer `Certificate` names: it must be able to sign a CA. */
  issuerObject(item: Item): void {
    const spec = child(item.obj, 'spec');
    if (spec === undefined) return;
    if (spec.selfSigned !== undefined) {
      this.add(
        item,
        'spec.selfSigned',
        'error',
        'CERT_MANAGER_ISSUER',
        "makes Linkerd's issuer its own root: it does not chain to the trust anchors; sign it with a CA Issuer over the trust-anchor Secret",
      );
    } else if (spec.acme !== undefined) {
      this.add(
        item,
        'spec.acme',
        'error',
        'CERT_MANAGER_ISSUER',
        "cannot sign a CA certificate such as Linkerd's issuer",
      );
    } else if (spec.ca !== undefined && typeof child(spec, 'ca')?.secretName !== 'string') {
      this.add(item, 'spec.ca.secretName', 'error', 'FIELD_MISSING', 'is missing');
    }
  }

  /** trust-manager `Bundle`: sources, and the target Linkerd reads. */
  bundle(item: Item, byName: (kind: 'Secret' | 'ConfigMap', name: string) => Item | undefined): void {
    const spec = child(item.obj, 'spec');
    if (spec === undefined) {
      this.add(item, 'spec', 'error', 'FIELD_MISSING', 'is missing');
      return;
    }
    const name = metaName(item.obj);
    if (name !== undefined && name !== TRUST_ROOTS) {
      this.add(
        item,
        'metadata.name',
        'warning',
        'TRUST_MANAGER_BUNDLE',
        `is ${showValue(name)}: trust-manager names the ConfigMap it writes after the Bundle, and Linkerd reads ${TRUST_ROOTS}`,
      );
    }
    const target = child(child(spec, 'target'), 'configMap');
    if (target?.key !== BUNDLE_KEY) {
      this.add(
        item,
        'spec.target.configMap.key',
        'error',
        'TRUST_MANAGER_BUNDLE',
        `is ${showValue(target?.key)}: Linkerd reads its trust anchors from the key ${BUNDLE_KEY}`,
      );
    }
    const sources = spec.sources;
    if (!Array.isArray(sources) || sources.length === 0) {
      this.add(item, 'spec.sources', 'error', 'FIELD_MISSING', 'is missing or empty');
      return;
    }
    sources.forEach((s, i) => {
      if (!isRecord(s)) return;
      const at = `spec.sources[${i}]`;
      if (s.useDefaultCAs === true) {
        this.add(
          item,
          `${at}.useDefaultCAs`,
          'error',
          'TRUST_MANAGER_BUNDLE',
          'is true: the public CAs would become Linkerd trust anchors, and any of them could sign a mesh identity',
        );
      }
      if (typeof s.inLine === 'string') {
        this.trustRoots.push(this.pem(item, `${at}.inLine`, s.inLine, true));
      }
      for (const kind of ['secret', 'configMap'] as const) {
        const ref = child(s, kind);
        if (ref === undefined || typeof ref.name !== 'string' || typeof ref.key !== 'string') continue;
        const target = byName(kind === 'secret' ? 'Secret' : 'ConfigMap', ref.name);
        if (target === undefined) continue;
        const value =
          kind === 'secret'
            ? this.secretValue(target, ref.key, true)
            : (() => {
                const v = child(target.obj, 'data')?.[ref.key as string];
                return typeof v === 'string' ? { field: `data[${ref.key}]`, text: v } : undefined;
              })();
        if (value !== undefined) this.trustRoots.push(this.pem(target, value.field, value.text, true));
      }
    });
  }

  /** Validity of one certificate: expired, not yet valid, or expiring within the window. */
  validity(f: PemField, cert: Certificate, what: string): void {
    const nb = cert.notBefore.getTime();
    const na = cert.notAfter.getTime();
    const cn = describe(cert);
    if (na < this.now) {
      this.add(f.item, f.field, 'error', 'EXPIRED', `${what} ${cn} expired on ${iso(na)}`);
    } else if (nb > this.now) {
      this.add(f.item, f.field, 'error', 'NOT_YET_VALID', `${what} ${cn} is not valid before ${iso(nb)}`);
    } else if (na - this.now < this.warnWithin) {
      const days = Math.floor((na - this.now) / DAY_MS);
      this.add(
        f.item,
        f.field,
        'warning',
        'EXPIRING',
        `${what} ${cn} expires on ${iso(na)} (in ${days} days)`,
      );
    }
  }

  /** A CA certificate: CA, keyCertSign. */
  caShape(f: PemField, cert: Certificate, what: string): void {
    if (!cert.basicConstraints?.ca) {
      this.add(
        f.item,
        f.field,
        'error',
        'NOT_A_CA',
        `${what} ${describe(cert)} is not a CA (basicConstraints CA:TRUE is missing): it cannot sign certificates`,
      );
      return;
    }
    if (cert.keyUsage === undefined) {
      this.add(
        f.item,
        f.field,
        'warning',
        'NO_KEY_CERT_SIGN',
        `${what} ${describe(cert)} has no keyUsage extension (RFC 5280 asks a CA for keyCertSign)`,
      );
    } else if ((cert.keyUsage & KeyUsage.keyCertSign) === 0) {
      this.add(
        f.item,
        f.field,
        'error',
        'NO_KEY_CERT_SIGN',
        `${what} ${describe(cert)} lacks keyUsage keyCertSign: verifiers refuse what it signs`,
      );
    }
  }

  keyMatch(
    f: PemField,
    cert: Certificate,
    key: { field: string; text: string } | undefined,
    what: string,
  ): void {
    if (key === undefined) return;
    const problem = issuerKeyProblem(key.text, cert);
    if (problem !== undefined) {
      this.add(
        f.item,
        key.field,
        'error',
        'KEY_MISMATCH',
        problem.startsWith('could not read')
          ? problem.replace('issuer key', `${what} key`)
          : `is not the key of ${describe(cert)} in ${f.field}`,
      );
    }
  }

  async finish(extraAnchors: readonly Certificate[]): Promise<void> {
    const roots: Certificate[] = [...extraAnchors, ...this.trustRoots.flatMap((r) => r.certs)];
    for (const r of this.trustRoots) {
      for (const c of r.certs) {
        const algo = anchorAlgorithmProblem(c);
        if (algo !== undefined)
          this.add(r.item, r.field, 'error', 'KEY_ALGORITHM', `trust anchor ${describe(c)} ${algo}`);
        if (!c.basicConstraints?.ca) this.caShape(r, c, 'trust anchor');
        else if (!c.selfIssued) {
          this.add(
            r.item,
            r.field,
            'warning',
            'NOT_A_ROOT',
            `trust anchor ${describe(c)} is not a root: it was issued by ${nameOf(c.issuer.commonName)}`,
          );
        }
        this.validity(r, c, 'trust anchor');
      }
    }
    for (const a of this.anchorSecrets) {
      const c = a.cert.certs[0];
      if (c === undefined) continue;
      this.caShape(a.cert, c, 'trust anchor');
      const algo = anchorAlgorithmProblem(c);
      if (algo !== undefined)
        this.add(a.cert.item, a.cert.field, 'error', 'KEY_ALGORITHM', `trust anchor ${describe(c)} ${algo}`);
      this.keyMatch(a.cert, c, a.key, 'trust anchor');
      this.validity(a.cert, c, 'trust anchor');
      if (roots.length > 0 && !roots.some((r) => sameCert(r, c))) {
        this.add(
          a.cert.item,
          a.cert.field,
          'error',
          'ANCHOR_NOT_TRUSTED',
          `${describe(c)} is not among the trust anchors: issuers cert-manager signs with it do not chain to them`,
        );
      }
    }
    for (const iss of this.issuers) {
      const [c, ...chain] = iss.cert.certs;
      if (c === undefined) continue;
      this.caShape(iss.cert, c, 'issuer');
      const algo = issuerAlgorithmProblem(c);
      if (algo !== undefined)
        this.add(iss.cert.item, iss.cert.field, 'error', 'KEY_ALGORITHM', `issuer ${describe(c)} ${algo}`);
      this.keyMatch(iss.cert, c, iss.key, 'issuer');
      this.validity(iss.cert, c, 'issuer');
      const caCerts = iss.ca?.certs ?? [];
      if (iss.ca !== undefined) {
        for (const a of caCerts) {
          if (!(a.selfIssued && a.basicConstraints?.ca)) {
            this.add(
              iss.ca.item,
              iss.ca.field,
              'error',
              'NOT_A_ROOT',
              `holds ${describe(a)}, issued by ${nameOf(a.issuer.commonName)}: ca.crt must be the trust anchor (a self-signed root)`,
            );
          }
          if (roots.length > 0 && !roots.some((r) => sameCert(r, a))) {
            this.add(
              iss.ca.item,
              iss.ca.field,
              'warning',
              'ANCHOR_NOT_TRUSTED',
              `${describe(a)} is not among the trust anchors of the input`,
            );
          }
        }
      }
      const anchors = roots.length > 0 ? roots : caCerts;
      if (anchors.length === 0) {
        this.add(
          iss.cert.item,
          iss.cert.field,
          'warning',
          'NO_ANCHORS',
          'no trust anchors in the input to check the issuer against (add the trust-roots ConfigMap, or give --anchors)',
        );
        continue;
      }
      const result = await verifyChain({
        leaf: c,
        intermediates: chain,
        bundle: anchors,
        at: new Date(this.now),
        usage: 'server',
      });
      if (!result.ok && result.code !== 'EXPIRED' && result.code !== 'NOT_YET_VALID') {
        this.add(
          iss.cert.item,
          iss.cert.field,
          'error',
          'NOT_CHAINED',
          `issuer ${describe(c)} does not chain to the trust anchors (${anchors.length === 1 ? describe(anchors[0]!) : `${anchors.length} anchors`}): ${result.reason}`,
        );
      }
    }
  }
}

/** What a cert-manager Certificate names as its issuer. */
interface IssuerRef {
  readonly name: string;
  readonly kind: 'Issuer' | 'ClusterIssuer';
  readonly from: Item;
}

const EXT_USAGES = new Set([
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
]);

function child(obj: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const v = obj === undefined || !Object.hasOwn(obj, key) ? undefined : obj[key];
  return isRecord(v) ? v : undefined;
}

function metaName(obj: Record<string, unknown>): string | undefined {
  const name = child(obj, 'metadata')?.name;
  return typeof name === 'string' ? name : undefined;
}

function metaNamespace(obj: Record<string, unknown>): string | undefined {
  const ns = child(obj, 'metadata')?.namespace;
  return typeof ns === 'string' ? ns : undefined;
}

function nameOf(cn: string | undefined): string {
  return cn === undefined ? 'a certificate without a CN' : `CN=${cn}`;
}

function describe(cert: Certificate): string {
  return nameOf(cert.subject.commonName);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function sameCert(a: Certificate, b: Certificate): boolean {
  if (a.der.length !== b.der.length) return false;
  for (let i = 0; i < a.der.length; i++) if (a.der[i] !== b.der[i]) return false;
  return true;
}

/** The label of an object in findings: `Secret linkerd/name`, or its document number when unnamed. */
function labelOf(obj: Record<string, unknown>, index: string): string {
  if (obj.kind === undefined && obj.apiVersion === undefined) return `Helm values (document ${index})`;
  const kind = typeof obj.kind === 'string' ? obj.kind : 'object';
  const name = metaName(obj);
  if (name === undefined) return `${kind} (document ${index})`;
  const ns = metaNamespace(obj);
  return `${kind} ${ns === undefined ? '' : `${ns}/`}${name}`;
}

/** Every object of a document, `List`s (and `SecretList`, …) flattened. */
function flatten(
  obj: Record<string, unknown>,
  index: string,
  depth = 0,
): { obj: Record<string, unknown>; index: string }[] {
  const kind = obj.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj.items) && depth < 4) {
    return obj.items.flatMap((it, i) => (isRecord(it) ? flatten(it, `${index}.${i + 1}`, depth + 1) : []));
  }
  return [{ obj, index }];
}

function sourcesOf(input: LintOptions['input']): LintSource[] {
  if (typeof input === 'string') return [{ text: input }];
  if (Array.isArray(input)) return [...(input as readonly LintSource[])];
  if (isRecord(input)) return [input as LintSource];
  throw new PkiError(
    'ERR_INVALID_ARGUMENT',
    '`input` must be YAML text, a source `{ name, text }` or a list of them',
  );
}

/**
 * Lints Linkerd's PKI material before it is applied: every Kubernetes object of the input (multi-document
 * YAML as `kubectl get -o yaml` or `helm template` prints it, `List`s included, or a Helm values file),
 * checked alone and against the others, one {@link LintFinding} per problem naming the object and field:
 *
 * - issuer Secrets of both schemes (`crt.pem`/`key.pem`, `tls.crt`/`tls.key`/`ca.crt`) and Helm's
 *   `identity.issuer.tls`: the issuer must be a CA with keyCertSign and an ECDSA P-256 key, its key must
 *   match, and it must chain to the trust anchors found in the input (the trust-roots ConfigMap, Helm's
 *   `identityTrustAnchorsPEM`, a trust-manager `Bundle`, or `bundle`), else to its `ca.crt`; `ca.crt` must
 *   be a root; a scheme's keys in a Secret of the other type are reported;
 * - trust anchors: supported algorithms (as `linkerd check`), CA, root;
 * - the trust-anchor Secret a cert-manager CA `Issuer` reads: CA, key, and among the trust anchors;
 * - cert-manager `Certificate`s for the issuer: `isCA`, `privateKey` ECDSA P-256, usages, and
 *   `duration`/`renewBefore`/`renewBeforePercentage` as cert-manager's webhook checks them; `Issuer`s that
 *   cannot sign a CA;
 * - trust-manager `Bundle`s: target key `ca-bundle.crt`, no public CAs;
 * - every certificate: expired, not yet valid, or expiring within `warnWithin` (with the date);
 * - every PEM text: indented BEGIN/END lines, indented base64, CR damage, text after the last END line.
 *
 * Objects of other kinds are skipped. Asynchronous because chains are verified.
 *
 * @throws {@link PkiError} `ERR_MANIFEST_INVALID` when a source is not YAML (or a document not a mapping);
 * `ERR_INVALID_ARGUMENT` for bad options. Problems in the objects are findings, never errors.
 * @example
 * ```ts
 * const result = await lintManifests({ input: [{ name: 'issuer.yaml', text }], bundle: caPem });
 * for (const f of result.findings) console.log(`${f.severity}: ${f.object} ${f.field}: ${f.message}`);
 * ```
 */
export async function lintManifests(opts: LintOptions): Promise<LintResult> {
  requireOptions(opts, 'lintManifests');
  const now = optionalDate(opts.now, '`now`')?.getTime() ?? Date.now();
  if (!Number.isFinite(now)) throw new PkiError('ERR_INVALID_ARGUMENT', '`now` must be a valid Date');
  const warnWithin =
    opts.warnWithin === undefined
      ? 60 * DAY_MS
      : typeof opts.warnWithin === 'string'
        ? parseDuration(opts.warnWithin)
        : opts.warnWithin;
  const extra = opts.bundle === undefined ? [] : createTrustStore(opts.bundle).anchors;
  const linter = new Linter(now, warnWithin);
  const items: Item[] = [];
  for (const source of sourcesOf(opts.input)) {
    if (typeof source !== 'object' || source === null || typeof source.text !== 'string')
      throw new PkiError('ERR_INVALID_ARGUMENT', "a source's `text` must be a string");
    let docs: Record<string, unknown>[];
    try {
      docs = fromYaml(source.text);
    } catch (e) {
      if (isPkiError(e) && source.name !== undefined)
        throw new PkiError(e.code, `${source.name}: ${e.message}`);
      throw e;
    }
    docs.forEach((doc, i) => {
      for (const { obj, index } of flatten(doc, String(i + 1))) {
        items.push({ obj, source: source.name, label: labelOf(obj, index) });
      }
    });
  }
  for (const item of items) linter.collect(item);
  const byName = (kind: 'Secret' | 'ConfigMap', name: string) =>
    (kind === 'Secret' ? linter.secrets : linter.configMaps).find((i) => metaName(i.obj) === name);
  const refs = linter.certificates.flatMap((c) => {
    const r = linter.certificate(c);
    return r === undefined ? [] : [r];
  });
  const caSecrets = new Set<string>();
  for (const item of linter.issuerObjects) {
    const secretName = child(child(item.obj, 'spec'), 'ca')?.secretName;
    if (typeof secretName === 'string') caSecrets.add(secretName);
    const name = metaName(item.obj);
    if (refs.some((r) => r.name === name && r.kind === item.obj.kind)) linter.issuerObject(item);
  }
  for (const item of linter.secrets) linter.secret(item, caSecrets);
  for (const item of linter.configMaps) linter.configMap(item);
  for (const item of linter.bundles) linter.bundle(item, byName);
  await linter.finish(extra);
  const order = new Map(items.map((it, i) => [it.label, i]));
  const findings = linter.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (order.get(a.f.object) ?? 0) - (order.get(b.f.object) ?? 0) || a.i - b.i)
    .map(({ f }) => f);
  const first = findings.find((f) => f.severity === 'error') ?? findings[0];
  return { ok: findings.length === 0, code: first?.code, findings, objects: linter.objects };
}

/**
 * The one line a CLI prints for a finding: `error: file: Secret linkerd/x data[tls.crt]: message`.
 *
 * @example
 * ```ts
 * formatLintFinding(result.findings[0]!);
 * // 'error: issuer.yaml: Secret linkerd/linkerd-identity-issuer data[crt.pem]: issuer CN=… is not a CA …'
 * ```
 */
export function formatLintFinding(f: LintFinding): string {
  requireObject(f, 'the finding');
  const where = f.source === undefined ? '' : `${f.source}: `;
  return `${f.severity}: ${where}${f.object} ${f.field}: ${f.message}`.replace(/\s*[\r\n]+\s*/g, ' ');
}
