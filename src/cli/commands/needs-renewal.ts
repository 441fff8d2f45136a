import { isPkiError } from '../../errors';
import {
  needsRenewal as decide,
  formatDuration,
  parseRenewalThreshold,
  type RenewalThreshold,
  type RenewalVerdict,
} from '../../schedule';
import { formatName } from '../../x509';
import { HELP, maxPositionals, parseFor, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { CliError, EXIT, usageError } from '../errors';
import { readCertificates } from '../inputs';

const OPTIONS = {
  ...HELP,
  cert: { type: 'string' },
  'expires-in': { type: 'string' },
  now: { type: 'string' },
  verbose: { type: 'boolean', short: 'v', default: false },
  json: { type: 'boolean', default: false },
} as const;

function thresholdText(t: RenewalThreshold): string {
  return 'before' in t
    ? `${formatDuration(t.before)} before expiry`
    : `${t.percentLeft}% of the lifetime left`;
}

/**
 * `l5d-pki needs-renewal --cert F [--expires-in 30d|720h|25%]`, as `step certificate needs-renewal`:
 * exit 0 when the certificate needs renewal, 1 when it does not, 2 on error, so cron can run
 * `l5d-pki needs-renewal --cert issuer.crt && renew…`. The default threshold is `linkerd check`'s 60-day
 * warning window (a third of the lifetime for certificates that live 60 days or less).
 */
export const needsRenewal: Command = async (args, io) => {
  const cmd = 'needs-renewal';
  const { values, positionals } = parseFor(cmd, { args, options: OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, cmd);
  maxPositionals(positionals, values.cert === undefined ? 1 : 0, cmd);
  const path = values.cert ?? positionals[0];
  if (path === undefined) throw usageError('missing --cert', cmd);
  let threshold: RenewalThreshold | undefined;
  if (values['expires-in'] !== undefined) {
    try {
      threshold = parseRenewalThreshold(values['expires-in']);
    } catch (e) {
      const detail = isPkiError(e) ? e.message : String(e);
      throw new CliError(EXIT.USAGE, `--expires-in ${detail}`, 'ERR_DURATION_INVALID');
    }
  }
  const now = timeOrNow(values.now, '--now');
  const cert = readCertificates(path, 'certificate')[0]!;
  const verdict: RenewalVerdict = decide({
    certificate: cert,
    now,
    ...(threshold === undefined ? {} : { threshold }),
  });
  const subject = formatName(cert.subject);
  if (values.json) {
    printJson(io, {
      certificate: path,
      subject,
      needsRenewal: verdict.needsRenewal,
      expired: verdict.expired,
      notAfter: rfc3339(verdict.notAfter),
      renewAt: rfc3339(verdict.renewAt),
      remaining: formatDuration(Math.max(0, Math.floor(verdict.remaining / 1000) * 1000)),
      threshold: thresholdText(verdict.threshold),
      at: rfc3339(now),
    });
  } else if (values.verbose) {
    const left = verdict.expired
      ? `expired on ${rfc3339(verdict.notAfter)}`
      : `expires ${rfc3339(verdict.notAfter)}, in ${formatDuration(Math.floor(verdict.remaining / 1000) * 1000)}`;
    io.out(
      `${subject} ${verdict.needsRenewal ? 'needs renewal' : 'does not need renewal'}: ${left}; ` +
        `renew from ${rfc3339(verdict.renewAt)} (${thresholdText(verdict.threshold)})\n`,
    );
  }
  return verdict.needsRenewal ? EXIT.OK : EXIT.INVALID;
};
