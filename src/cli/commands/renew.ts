import { certificateFingerprint, renewCertificate } from '../../anchor';
import { formatName } from '../../x509';
import { durationFlag, HELP, parseFor, required, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { EXIT, toCliError, usageError } from '../errors';
import { readCertificates } from '../inputs';
import { writeOutputs } from '../io';
import { certificateBytes, FORMAT, formatFlag, PASSWORD_FILE, readKey } from '../keyfiles';

const OPTIONS = {
  ...HELP,
  ...PASSWORD_FILE,
  ...FORMAT,
  cert: { type: 'string' },
  key: { type: 'string' },
  'anchor-cert': { type: 'string' },
  'anchor-key': { type: 'string' },
  lifetime: { type: 'string' },
  out: { type: 'string', default: 'renewed.crt' },
  now: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/**
 * `l5d-pki renew`: a trust anchor or an issuer made again with the same subject, key and extensions and
 * a new validity, so chains under it keep verifying without a rotation. A separate command rather than a
 * `rotate` subcommand: a rotation changes the key and needs the three-step plan; a renewal changes
 * neither the key nor the trust, and its steps are only "replace the certificate".
 */
export const renew: Command = async (args, io) => {
  const cmd = 'renew';
  const { values } = parseFor(cmd, { args, options: OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const certPath = required(values.cert, '--cert', cmd);
  const format = formatFlag(values.format, 'pem');
  const anchorCertPath = values['anchor-cert'];
  const anchorKeyPath = values['anchor-key'];
  if ((anchorCertPath === undefined) !== (anchorKeyPath === undefined)) {
    throw usageError('--anchor-cert and --anchor-key go together (they renew an issuer)', cmd);
  }
  if (anchorCertPath === undefined && values.key === undefined) {
    throw usageError('missing --key (an anchor) or --anchor-cert and --anchor-key (an issuer)', cmd);
  }
  const lifetime = values.lifetime === undefined ? undefined : durationFlag(values.lifetime, '--lifetime');
  const now = timeOrNow(values.now, '--now');
  const old = readCertificates(certPath, 'certificate to renew')[0]!;
  const passwordFile = values['password-file'];
  const key = values.key === undefined ? undefined : await readKey(values.key, 'key', passwordFile);
  const signer =
    anchorCertPath === undefined
      ? undefined
      : {
          certificate: readCertificates(anchorCertPath, 'trust anchor certificate')[0]!,
          key: await readKey(anchorKeyPath!, 'trust anchor key', passwordFile),
        };
  let renewed: Awaited<ReturnType<typeof renewCertificate>>;
  try {
    renewed = await renewCertificate({
      certificate: old,
      now,
      ...(key === undefined ? {} : { key }),
      ...(signer === undefined ? {} : { signer }),
      ...(lifetime === undefined ? {} : { lifetime }),
    });
  } catch (e) {
    throw toCliError(e, certPath);
  }
  writeOutputs([{ path: values.out, data: certificateBytes([renewed.der], format) }], values.force);
  const c = renewed.certificate;
  const anchor = signer === undefined;
  const summary = {
    file: values.out,
    kind: anchor ? 'trust anchor' : 'issuer',
    subject: formatName(c.subject),
    notBefore: rfc3339(c.notBefore),
    notAfter: rfc3339(c.notAfter),
    previousNotAfter: rfc3339(old.notAfter),
    sha256Fingerprint: certificateFingerprint(c),
    previousSha256Fingerprint: certificateFingerprint(old),
    notAfterCut: renewed.notAfterCut,
  };
  if (values.json) {
    printJson(io, summary);
    return EXIT.OK;
  }
  const next = anchor
    ? [
        'The key and subject are unchanged: chains under the old anchor verify under the new one.',
        `Add it to every bundle that trusts the old one (l5d-pki bundle add --bundle ca-bundle.crt --cert ${values.out} --out ca-bundle.crt --force),`,
        `and remove the old one (--fingerprint ${summary.previousSha256Fingerprint}) with bundle remove before it expires.`,
      ]
    : [
        'The key and subject are unchanged: leaves signed by the old issuer verify with the new one.',
        'Replace the issuer certificate where Linkerd reads it (the linkerd-identity-issuer Secret); the key stays.',
      ];
  io.out(
    [
      `wrote ${values.out} (${format.toUpperCase()})`,
      `${summary.kind}  ${summary.subject}  valid ${summary.notBefore} .. ${summary.notAfter} (was until ${summary.previousNotAfter})`,
      `sha256 ${summary.sha256Fingerprint}`,
      ...(renewed.notAfterCut ? [`notAfter cut to the trust anchor's expiry, ${summary.notAfter}`] : []),
      '',
      ...next,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};
