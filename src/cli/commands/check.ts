import { checkIdentity, checksPassed, formatCheckResults } from '../../check';
import { quoteInput } from '../../errors';
import { importPrivateKey, isEncryptedPrivateKey } from '../../keys';
import { decodePem } from '../../pem';
import { HELP, parseFor, required, timeOrNow } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { type Input, readInput } from '../io';
import { PASSWORD_FILE, readKey } from '../keyfiles';

const OPTIONS = {
  ...HELP,
  ...PASSWORD_FILE,
  anchors: { type: 'string' },
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean', default: false },
  'issuer-name': { type: 'string' },
  at: { type: 'string' },
} as const;

/** The one PEM text of `role` in a YAML file, or a usage error naming what is there instead. */
function fromYamlFile(input: Input, role: 'certificates' | 'keys' | 'anchors', what: string): string {
  const found = input.yaml?.[role] ?? [];
  if (found.length === 0) {
    throw new CliError(
      EXIT.USAGE,
      `${input.path}: holds no ${what} (it is Kubernetes YAML)`,
      'ERR_MANIFEST_INVALID',
    );
  }
  if (found.length > 1) {
    throw new CliError(
      EXIT.USAGE,
      `${input.path}: holds ${found.length} objects with a ${what}; give one`,
      'ERR_MANIFEST_INVALID',
    );
  }
  return found[0]!;
}

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

/**
 * The issuer key as PEM: PEM as it is (the checks judge it), DER converted to PKCS#8 PEM, an encrypted
 * key decrypted with the password in `passwordFile` (refused without it).
 */
async function keyPem(path: string, passwordFile: string | undefined): Promise<string> {
  const input = readInput(path, 'issuer key');
  if (input.yaml !== undefined) return fromYamlFile(input, 'keys', 'issuer key');
  if (isEncryptedPrivateKey(input.pem ?? input.bytes)) {
    return (await readKey(path, 'issuer key', passwordFile)).exportPkcs8Pem();
  }
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
  const certPath = required(values['issuer-cert'], '--issuer-cert', 'check');
  const certInput = readInput(certPath, 'issuer certificate');
  // A Secret or Helm values file holds the key (and, for kubernetes.io/tls, the anchors) beside the
  // certificate, so --issuer-key and --anchors may then be left out.
  const keyPath = values['issuer-key'] ?? (certInput.yaml?.keys.length ? certPath : undefined);
  const anchorsPath = values.anchors ?? (certInput.yaml?.anchors.length ? certPath : undefined);
  required(anchorsPath, '--anchors', 'check');
  required(keyPath, '--issuer-key', 'check');
  if (values.json && values.output !== undefined && values.output !== 'json') {
    throw usageError('--json and --output table contradict each other', 'check');
  }
  const output = values.json ? 'json' : (values.output ?? 'table');
  if (output !== 'table' && output !== 'json') throw usageError('--output must be table or json', 'check');
  const now = timeOrNow(values.at, '--at');
  const issuerName = values['issuer-name'];

  const isCert = (l: string) => l === 'CERTIFICATE';
  const anchorsInput = anchorsPath === certPath ? certInput : readInput(anchorsPath!, 'trust-anchor bundle');
  const trustAnchorsPem =
    anchorsInput.yaml !== undefined
      ? fromYamlFile(anchorsInput, 'anchors', 'trust-anchor bundle')
      : pemWith(anchorsInput, 'trust-anchor bundle (CERTIFICATE)', isCert);
  const issuerCertPem =
    certInput.yaml !== undefined
      ? fromYamlFile(certInput, 'certificates', 'issuer certificate')
      : pemWith(certInput, 'issuer certificate (CERTIFICATE)', isCert);
  const issuerKeyPem = await keyPem(keyPath!, values['password-file']);
  try {
    const results = await checkIdentity({
      bundle: trustAnchorsPem,
      issuer: { certificate: issuerCertPem, key: issuerKeyPem },
      now,
      ...(issuerName === undefined ? {} : { issuerName }),
    });
    io.out(formatCheckResults(results, { output }));
    return checksPassed(results) ? EXIT.OK : EXIT.INVALID;
  } catch (e) {
    throw toCliError(e);
  }
};
