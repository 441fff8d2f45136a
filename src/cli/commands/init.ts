import { join } from 'node:path';
import { createTrustAnchor, writeBundle } from '../../anchor';
import { quoteInput } from '../../errors';
import { createIssuer } from '../../issuer';
import { isDns1123Subdomain } from '../../spiffe';
import { durationFlag, HELP, parseFor, rfc3339, shellQuote } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { EXIT, usageError } from '../errors';
import { ensureDirectory, writeOutputs } from '../io';
import { certificateBytes, FORMAT, formatFlag, keyBytes, PASSWORD_FILE } from '../keyfiles';

const OPTIONS = {
  ...HELP,
  ...FORMAT,
  ...PASSWORD_FILE,
  out: { type: 'string', default: '.' },
  'trust-domain': { type: 'string', default: 'cluster.local' },
  'anchor-lifetime': { type: 'string', default: '87600h' },
  'issuer-lifetime': { type: 'string', default: '8760h' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/**
 * The `linkerd install` line for files written by `init` (or `rotate`), with every flag the options
 * need: `--identity-trust-domain` unless it is Linkerd's default, `cluster.local` (otherwise the cluster
 * would issue `…cluster.local` identities under anchors named for another domain).
 */
export function installLine(
  anchors: string,
  issuerCert: string,
  issuerKey: string,
  trustDomain = 'cluster.local',
): string {
  return [
    'linkerd install',
    ...(trustDomain === 'cluster.local' ? [] : [`--identity-trust-domain ${shellQuote(trustDomain)}`]),
    `--identity-trust-anchors-file ${shellQuote(anchors)}`,
    `--identity-issuer-certificate-file ${shellQuote(issuerCert)}`,
    `--identity-issuer-key-file ${shellQuote(issuerKey)}`,
  ].join(' ');
}

/** Validates a Linkerd trust domain flag (a DNS-1123 subdomain such as `cluster.local`). */
export function trustDomainFlag(value: string, command: string): string {
  if (!isDns1123Subdomain(value)) {
    throw usageError(`--trust-domain ${quoteInput(value)} is not a DNS name like cluster.local`, command);
  }
  return value;
}

/**
 * `l5d-pki init`: a trust anchor and an issuer, written as `ca.crt`, `ca.key`, `issuer.crt` and
 * `issuer.key`, with the `linkerd install` line to use them.
 */
export const init: Command = async (args, io) => {
  const { values } = parseFor('init', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'init');
  const domain = trustDomainFlag(values['trust-domain'], 'init');
  const anchorLifetime = durationFlag(values['anchor-lifetime'], '--anchor-lifetime');
  const issuerLifetime = durationFlag(values['issuer-lifetime'], '--issuer-lifetime');
  const format = formatFlag(values.format, 'pem');
  const passwordFile = values['password-file'];
  const dir = values.out;
  const path = (name: string) => join(dir, name);
  ensureDirectory(dir);

  const anchor = await createTrustAnchor({ commonName: `root.linkerd.${domain}`, lifetime: anchorLifetime });
  const issuer = await createIssuer({
    anchor,
    commonName: `identity.linkerd.${domain}`,
    lifetime: issuerLifetime,
  });
  writeOutputs(
    [
      {
        path: path('ca.crt'),
        data: format === 'pem' ? writeBundle([anchor.certificate]) : certificateBytes([anchor.der], format),
      },
      { path: path('ca.key'), data: await keyBytes(anchor.key, format, passwordFile), secret: true },
      {
        path: path('issuer.crt'),
        data: format === 'pem' ? issuer.pem : certificateBytes([issuer.der], format),
      },
      { path: path('issuer.key'), data: await keyBytes(issuer.key, format, passwordFile), secret: true },
    ],
    values.force,
  );

  const install = installLine(path('ca.crt'), path('issuer.crt'), path('issuer.key'), domain);
  const cut = issuer.notAfterCut
    ? `issuer lifetime cut to the trust anchor's expiry, ${rfc3339(anchor.certificate.notAfter)}`
    : undefined;
  // linkerd install reads PEM files and an unencrypted issuer key: say so when the files are otherwise.
  const notes = [
    ...(format === 'der'
      ? ['linkerd install reads PEM: the install line needs the files as --format pem writes them']
      : []),
    ...(passwordFile !== undefined
      ? [
          `the keys are encrypted; linkerd install reads an unencrypted issuer key: decrypt it for the install (openssl pkcs8 -in ${shellQuote(path('issuer.key'))} -passin file:${shellQuote(passwordFile)} -out issuer-plain.key) and delete that copy afterwards`,
        ]
      : []),
  ];
  const warnings = [...(cut === undefined ? [] : [cut]), ...notes];
  if (values.json) {
    const cert = (c: typeof anchor.certificate) => ({
      subject: `CN=${c.subject.commonName}`,
      serial: c.serialHex,
      notBefore: rfc3339(c.notBefore),
      notAfter: rfc3339(c.notAfter),
    });
    printJson(io, {
      files: {
        anchorCert: path('ca.crt'),
        anchorKey: path('ca.key'),
        issuerCert: path('issuer.crt'),
        issuerKey: path('issuer.key'),
      },
      trustDomain: domain,
      anchor: cert(anchor.certificate),
      issuer: cert(issuer.certificate),
      format,
      keysEncrypted: passwordFile !== undefined,
      warnings,
      install,
    });
    return EXIT.OK;
  }
  for (const w of warnings) io.err(`l5d-pki: warning: ${w}\n`);
  io.out(
    [
      `wrote ${['ca.crt', 'ca.key', 'issuer.crt', 'issuer.key'].map(path).join(', ')} (${format.toUpperCase()}; keys ${passwordFile === undefined ? '' : 'encrypted, '}mode 0600)`,
      `trust anchor  CN=${anchor.certificate.subject.commonName}  valid until ${rfc3339(anchor.certificate.notAfter)}`,
      `issuer        CN=${issuer.certificate.subject.commonName}  valid until ${rfc3339(issuer.certificate.notAfter)}`,
      '',
      install,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};
