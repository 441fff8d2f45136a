import { join } from 'node:path';
import { createTrustAnchor, writeBundle } from '../../anchor';
import { quoteInput } from '../../errors';
import { createIssuer } from '../../issuer';
import { isDns1123Subdomain } from '../../spiffe';
import { durationFlag, HELP, parseFor, rfc3339, shellQuote } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { EXIT, usageError } from '../errors';
import { ensureDirectory, writeOutputs } from '../io';

const OPTIONS = {
  ...HELP,
  out: { type: 'string', default: '.' },
  'trust-domain': { type: 'string', default: 'cluster.local' },
  'anchor-lifetime': { type: 'string', default: '87600h' },
  'issuer-lifetime': { type: 'string', default: '8760h' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** The `linkerd install` line for files written by `init` (or `rotate`). */
export function installLine(anchors: string, issuerCert: string, issuerKey: string): string {
  return [
    'linkerd install',
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
      { path: path('ca.crt'), data: writeBundle([anchor.certificate]) },
      { path: path('ca.key'), data: anchor.key.exportPkcs8Pem(), secret: true },
      { path: path('issuer.crt'), data: issuer.pem },
      { path: path('issuer.key'), data: issuer.key.exportPkcs8Pem(), secret: true },
    ],
    values.force,
  );

  const install = installLine(path('ca.crt'), path('issuer.crt'), path('issuer.key'));
  const cut = issuer.notAfterCut
    ? `issuer lifetime cut to the trust anchor's expiry, ${rfc3339(anchor.certificate.notAfter)}`
    : undefined;
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
      warnings: cut === undefined ? [] : [cut],
      install,
    });
    return EXIT.OK;
  }
  if (cut !== undefined) io.err(`l5d-pki: warning: ${cut}\n`);
  io.out(
    [
      `wrote ${['ca.crt', 'ca.key', 'issuer.crt', 'issuer.key'].map(path).join(', ')} (keys mode 0600)`,
      `trust anchor  CN=${anchor.certificate.subject.commonName}  valid until ${rfc3339(anchor.certificate.notAfter)}`,
      `issuer        CN=${issuer.certificate.subject.commonName}  valid until ${rfc3339(issuer.certificate.notAfter)}`,
      '',
      install,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};
