import { checkIdentity, checksPassed, formatCheckResults } from '../../check';
import { quoteInput } from '../../errors';
import { importPrivateKey } from '../../keys';
import { decodePem } from '../../pem';
import { HELP, parseFor, required, timeOrNow } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { type Input, readInput } from '../io';

const OPTIONS = {
  ...HELP,
  anchors: { type: 'string' },
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'table' },
  at: { type: 'string' },
} as const;

/** The PEM text of `input`, which must hold a block with a label `accept` approves; otherwise exit 2. */
function pemWith(input: Input, what: string, accept: (label: string) => boolean): string {
  if (input.pem === undefined) {
    throw new CliError(EXIT.USAGE, `${input.path}: expected a PEM ${what}, found binary data`);
  }
  let labels: string[];
  try {
    labels = decodePem(input.pem).map((b) => b.label);
  } catch (e) {
    throw toCliError(e, input.path);
  }
  if (!labels.some(accept)) {
    const found =
      labels.length === 0 ? 'no PEM block' : labels.map((l) => `a ${quoteInput(l)}`).join(' and ');
    throw new CliError(EXIT.USAGE, `${input.path}: expected a ${what}, found ${found}`, 'ERR_PEM_LABEL');
  }
  return input.pem;
}

/** The issuer key as PEM: PEM as it is (the checks judge it), DER converted to PKCS#8 PEM. */
function keyPem(path: string): string {
  const input = readInput(path, 'issuer key');
  if (input.pem !== undefined)
    return pemWith(input, 'issuer key (PRIVATE KEY)', (l) => l.includes('PRIVATE KEY'));
  try {
    return importPrivateKey(input.bytes).exportPkcs8Pem();
  } catch (e) {
    throw toCliError(e, path);
  }
}

/**
 * `l5d-pki check`: `linkerd check`'s identity checks on local files, as `√`/`‼`/`×` lines or JSON. Exit 0
 * when no check failed with severity fatal or error, 1 otherwise.
 */
export const check: Command = async (args, io) => {
  const { values } = parseFor('check', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'check');
  const anchorsPath = required(values.anchors, '--anchors', 'check');
  const certPath = required(values['issuer-cert'], '--issuer-cert', 'check');
  const keyPath = required(values['issuer-key'], '--issuer-key', 'check');
  const output = values.output;
  if (output !== 'table' && output !== 'json') throw usageError('--output must be table or json', 'check');
  const now = timeOrNow(values.at, '--at');

  const isCert = (l: string) => l === 'CERTIFICATE';
  const trustAnchorsPem = pemWith(
    readInput(anchorsPath, 'trust-anchor bundle'),
    'trust-anchor bundle (CERTIFICATE)',
    isCert,
  );
  const issuerCertPem = pemWith(
    readInput(certPath, 'issuer certificate'),
    'issuer certificate (CERTIFICATE)',
    isCert,
  );
  const issuerKeyPem = keyPem(keyPath);
  try {
    const results = await checkIdentity({
      bundle: trustAnchorsPem,
      issuer: { certificate: issuerCertPem, key: issuerKeyPem },
      now,
    });
    io.out(formatCheckResults(results, { output }));
    return checksPassed(results) ? EXIT.OK : EXIT.INVALID;
  } catch (e) {
    throw toCliError(e);
  }
};
