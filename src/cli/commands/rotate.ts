import { join } from 'node:path';
import {
  type CertificateAuthority,
  certificateFingerprint,
  createTrustAnchor,
  writeBundle,
} from '../../anchor';
import { isPkiError, quoteInput } from '../../errors';
import { createIssuer, type Issuer } from '../../issuer';
import type { IssuerSecretScheme } from '../../k8s';
import type { PrivateKey } from '../../keys';
import { encodePem } from '../../pem';
import { formatRotationPlan, planAnchorRotation, rotateIssuer } from '../../rotate';
import { timelineSvg } from '../../timeline';
import type { Certificate } from '../../x509/types';
import { durationFlag, HELP, parseFor, required, rfc3339, shellQuote, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';
import { ensureDirectory, writeOutputs } from '../io';
import { keyBytes, PASSWORD_FILE, readKey } from '../keyfiles';
import { installLine, trustDomainFlag } from './init';
import { schemeFlag } from './manifests';

function authority(certs: readonly Certificate[], key: PrivateKey, certPath: string): CertificateAuthority {
  const certificate = certs[0]!;
  if (!key.publicKey.equals(certificate.publicKey)) {
    throw new CliError(
      EXIT.INVALID,
      `${certPath}: the anchor key does not match this certificate`,
      'ERR_KEY_MISMATCH',
    );
  }
  return { certificate, der: certificate.der, pem: encodePem('CERTIFICATE', certificate.der), key };
}

function summary(c: Certificate) {
  return {
    subject: `CN=${c.subject.commonName ?? ''}`,
    serial: c.serialHex,
    notBefore: rfc3339(c.notBefore),
    notAfter: rfc3339(c.notAfter),
    sha256Fingerprint: certificateFingerprint(c),
  };
}

const ISSUER_OPTIONS = {
  ...HELP,
  ...PASSWORD_FILE,
  'anchor-cert': { type: 'string' },
  'anchor-key': { type: 'string' },
  'issuer-cert': { type: 'string' },
  out: { type: 'string', default: '.' },
  'issuer-lifetime': { type: 'string', default: '8760h' },
  'trust-domain': { type: 'string', default: 'cluster.local' },
  scheme: { type: 'string' },
  namespace: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** The steps that replace the issuer in a cluster whose issuer Secret has `scheme`. */
export function issuerSteps(
  scheme: IssuerSecretScheme,
  files: { cert: string; key: string; anchors: string },
  namespace: string | undefined,
): { apply: string; upgrade: string; lines: string[] } {
  const ns = namespace === undefined ? '' : ` --namespace ${shellQuote(namespace)}`;
  const apply = `l5d-pki manifests secret --scheme ${scheme} --issuer-cert ${shellQuote(files.cert)} --issuer-key ${shellQuote(files.key)} --anchors ${shellQuote(files.anchors)}${ns} | kubectl apply -f -`;
  const upgrade = `linkerd upgrade --identity-issuer-certificate-file ${shellQuote(files.cert)} --identity-issuer-key-file ${shellQuote(files.key)} | kubectl apply -f -`;
  const check = 'linkerd check --proxy';
  const lines =
    scheme === 'linkerd.io/tls'
      ? [
          'Replace the issuer Secret (scheme linkerd.io/tls: an Opaque Secret with crt.pem and key.pem, as linkerd install made it);',
          'the identity service reloads it, and leaves move over as they refresh:',
          `  ${apply}`,
          'or, equivalently, let the linkerd CLI rewrite it:',
          `  ${upgrade}`,
          `then: ${check}`,
        ]
      : [
          'Replace the issuer Secret (scheme kubernetes.io/tls: tls.crt, tls.key and ca.crt); the identity service',
          'reloads it, and leaves move over as they refresh. If cert-manager manages this Secret, it renews it itself.',
          `  ${apply}`,
          'A cluster on the linkerd.io/tls scheme (linkerd install --identity-issuer-*) takes instead:',
          `  ${upgrade}`,
          `then: ${check}`,
        ];
  return { apply, upgrade, lines };
}

const issuer: Command = async (args, io) => {
  const cmd = 'rotate issuer';
  const { values } = parseFor(cmd, { args, options: ISSUER_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const scheme = schemeFlag(values.scheme, cmd);
  const certPath = required(values['anchor-cert'], '--anchor-cert', cmd);
  const keyPath = required(values['anchor-key'], '--anchor-key', cmd);
  const lifetime = durationFlag(values['issuer-lifetime'], '--issuer-lifetime');
  const domain = trustDomainFlag(values['trust-domain'], cmd);
  const anchor = authority(
    readCertificates(certPath, 'trust anchor certificate'),
    await readKey(keyPath, 'trust anchor key', values['password-file']),
    certPath,
  );
  const current =
    values['issuer-cert'] === undefined
      ? undefined
      : readCertificates(values['issuer-cert'], 'issuer certificate')[0]!;
  const dir = values.out;
  ensureDirectory(dir);
  let next: Issuer;
  try {
    next = await rotateIssuer({
      anchor,
      lifetime,
      ...(current === undefined ? { commonName: `identity.linkerd.${domain}` } : { current }),
    });
  } catch (e) {
    if (isPkiError(e, 'ERR_ISSUER_CHAIN')) {
      throw new CliError(
        EXIT.INVALID,
        `${values['issuer-cert']}: not signed by this trust anchor; changing the anchor is "l5d-pki rotate anchor"`,
        e.code,
      );
    }
    throw toCliError(e);
  }
  const certOut = join(dir, 'issuer.crt');
  const keyOut = join(dir, 'issuer.key');
  writeOutputs(
    [
      { path: certOut, data: next.pem },
      { path: keyOut, data: await keyBytes(next.key, 'pem', values['password-file']), secret: true },
    ],
    values.force,
  );
  const steps = issuerSteps(scheme, { cert: certOut, key: keyOut, anchors: certPath }, values.namespace);
  if (values.json) {
    printJson(io, {
      files: { issuerCert: certOut, issuerKey: keyOut },
      issuer: summary(next.certificate),
      notAfterCut: next.notAfterCut,
      scheme,
      apply: steps.apply,
      upgrade: steps.upgrade,
    });
    return EXIT.OK;
  }
  if (next.notAfterCut) {
    io.err(
      `l5d-pki: warning: issuer lifetime cut to the trust anchor's expiry, ${rfc3339(anchor.certificate.notAfter)}\n`,
    );
  }
  io.out(
    [
      `wrote ${certOut}, ${keyOut} (key mode 0600)`,
      `issuer  CN=${next.certificate.subject.commonName}  valid until ${rfc3339(next.certificate.notAfter)}`,
      `        signed by CN=${anchor.certificate.subject.commonName}; the trust bundle does not change`,
      '',
      ...steps.lines,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};

const ANCHOR_OPTIONS = {
  ...HELP,
  ...PASSWORD_FILE,
  bundle: { type: 'string' },
  out: { type: 'string', default: '.' },
  'trust-domain': { type: 'string', default: 'cluster.local' },
  'anchor-lifetime': { type: 'string', default: '87600h' },
  'issuer-lifetime': { type: 'string', default: '8760h' },
  'leaf-lifetime': { type: 'string', default: '24h' },
  margin: { type: 'string', default: '1h' },
  now: { type: 'string' },
  svg: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

const anchor: Command = async (args, io) => {
  const cmd = 'rotate anchor';
  const { values } = parseFor(cmd, { args, options: ANCHOR_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const bundlePath = required(values.bundle, '--bundle', cmd);
  const domain = trustDomainFlag(values['trust-domain'], cmd);
  const anchorLifetime = durationFlag(values['anchor-lifetime'], '--anchor-lifetime');
  const issuerLifetime = durationFlag(values['issuer-lifetime'], '--issuer-lifetime');
  const leafLifetime = durationFlag(values['leaf-lifetime'], '--leaf-lifetime');
  const margin = durationFlag(values.margin, '--margin', true);
  const now = timeOrNow(values.now, '--now');
  const current = readBundle(bundlePath);
  const dir = values.out;
  ensureDirectory(dir);

  const newAnchor = await createTrustAnchor({
    commonName: `root.linkerd.${domain}`,
    lifetime: anchorLifetime,
    now,
  });
  const newIssuer = await createIssuer({
    anchor: newAnchor,
    commonName: `identity.linkerd.${domain}`,
    lifetime: issuerLifetime,
    now,
  });
  let plan: ReturnType<typeof planAnchorRotation>;
  try {
    plan = planAnchorRotation({
      currentBundle: writeBundle(current),
      newAnchor,
      newIssuer,
      leafLifetime,
      margin,
      now,
    });
  } catch (e) {
    throw toCliError(e);
  }
  let svg: string | undefined;
  try {
    // The plan's steps over the anchors' and the new issuer's validity, with the old issuer's last leaf.
    if (values.svg !== undefined)
      svg = timelineSvg({ rotation: plan, issuers: [newIssuer.certificate], leafLifetime, now });
  } catch (e) {
    throw toCliError(e);
  }
  const path = (name: string) => join(dir, name);
  writeOutputs(
    [
      ...(svg === undefined ? [] : [{ path: values.svg!, data: svg }]),
      {
        path: path('ca-bundle.crt'),
        data: plan.steps[0].bundle ?? writeBundle([...current, newAnchor.certificate]),
      },
      { path: path('ca.crt'), data: writeBundle([newAnchor.certificate]) },
      {
        path: path('ca.key'),
        data: await keyBytes(newAnchor.key, 'pem', values['password-file']),
        secret: true,
      },
      { path: path('issuer.crt'), data: newIssuer.pem },
      {
        path: path('issuer.key'),
        data: await keyBytes(newIssuer.key, 'pem', values['password-file']),
        secret: true,
      },
    ],
    values.force,
  );
  const bundleFile: Record<string, string> = {
    'add-new-anchor': path('ca-bundle.crt'),
    'remove-old-anchor': path('ca.crt'),
  };
  if (values.json) {
    printJson(io, {
      files: {
        combinedBundle: path('ca-bundle.crt'),
        anchorCert: path('ca.crt'),
        anchorKey: path('ca.key'),
        issuerCert: path('issuer.crt'),
        issuerKey: path('issuer.key'),
        ...(svg === undefined ? {} : { svg: values.svg }),
      },
      oldAnchors: plan.oldAnchors.map(summary),
      newAnchor: summary(newAnchor.certificate),
      issuer: summary(newIssuer.certificate),
      steps: plan.steps.map((s) => ({
        id: s.id,
        title: s.title,
        notBefore: rfc3339(s.notBefore),
        condition: s.condition,
        bundleFile: bundleFile[s.id] ?? null,
      })),
    });
    return EXIT.OK;
  }
  io.out(
    [
      `wrote ${['ca-bundle.crt', 'ca.crt', 'ca.key', 'issuer.crt', 'issuer.key'].map(path).join(', ')} (keys mode 0600)`,
      ...(svg === undefined ? [] : [`wrote ${values.svg} (the plan's timeline, SVG)`]),
      '',
      formatRotationPlan(plan),
      '',
      'Anchors (SHA-256 fingerprints tell anchors of the same name apart):',
      ...plan.oldAnchors.map(
        (c) => `  old  CN=${c.subject.commonName ?? ''}  sha256 ${certificateFingerprint(c)}`,
      ),
      `  new  CN=${newAnchor.certificate.subject.commonName ?? ''}  sha256 ${certificateFingerprint(newAnchor.certificate)}`,
      '',
      `Files: step 1 installs ${path('ca-bundle.crt')} (old and new anchors); step 2 installs ${path('issuer.crt')} and ${path('issuer.key')};`,
      `step 3 installs ${path('ca.crt')} (the new anchor alone). A fresh install with the new material would be:`,
      installLine(path('ca.crt'), path('issuer.crt'), path('issuer.key'), domain),
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};

/** `l5d-pki rotate issuer|anchor`: a new issuer under the same anchor, or a whole anchor rotation plan. */
export const rotate: Command = async (args, io) => {
  const [kind, ...rest] = args;
  if (kind === '--help' || kind === '-h' || kind === 'help') return showHelp(io, 'rotate');
  if (kind === undefined) throw usageError('missing what to rotate: issuer or anchor', 'rotate');
  if (kind === 'issuer') return issuer(rest, io);
  if (kind === 'anchor') return anchor(rest, io);
  throw usageError(`unknown rotation ${quoteInput(kind)}; expected issuer or anchor`, 'rotate');
};
