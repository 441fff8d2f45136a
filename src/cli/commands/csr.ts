import { extname } from 'node:path';
import { createCsr } from '../../csr';
import { generateKeyPair } from '../../keys';
import { HELP, identityFlag, parseFor, required } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { sha256Hex } from '../describe';
import { EXIT, toCliError } from '../errors';
import { type Io, STDIO, writeOutputs } from '../io';
import { FORMAT, formatFlag, type OutputFormat } from '../keyfiles';

const OPTIONS = {
  ...HELP,
  ...FORMAT,
  identity: { type: 'string' },
  'key-out': { type: 'string', default: 'key.p8' },
  'csr-out': { type: 'string', default: 'csr.der' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** File extensions that hold PEM text: `.pem`, `.crt`, `.key`. */
const PEM_EXTENSIONS: ReadonlySet<string> = new Set(['.pem', '.crt', '.key']);

/**
 * The encoding of an output: `--format` when given; otherwise PEM for a `.pem`, `.crt` or `.key`
 * file, DER for a `.der` file, and `fallback` for any other name (and for `-`, standard output).
 *
 * @example
 * ```ts
 * formatForPath(undefined, 'csr.pem', 'der'); // 'pem'
 * formatForPath('der', 'csr.pem', 'der'); // 'der'
 * ```
 */
export function formatForPath(given: string | undefined, path: string, fallback: OutputFormat): OutputFormat {
  if (given !== undefined) return formatFlag(given, fallback);
  if (path === STDIO) return fallback;
  const ext = extname(path).toLowerCase();
  return PEM_EXTENSIONS.has(ext) ? 'pem' : ext === '.der' ? 'der' : fallback;
}

/**
 * `l5d-pki csr`: a P-256 key (PKCS#8, mode 0600) and a CSR, as the proxy makes at start-up; DER unless
 * `--format pem` or a `.pem`/`.crt`/`.key` file name asks for PEM.
 */
export const csr: Command = async (args, io) => {
  const { values } = parseFor('csr', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'csr');
  const identity = identityFlag(required(values.identity, '--identity', 'csr'), 'csr');
  const keyOut = values['key-out'];
  const csrOut = values['csr-out'];
  const keyFormat = formatForPath(values.format, keyOut, 'der');
  const csrFormat = formatForPath(values.format, csrOut, 'der');
  const key = await generateKeyPair();
  let request: Awaited<ReturnType<typeof createCsr>>;
  try {
    request = await createCsr({ key, identity });
  } catch (e) {
    throw toCliError(e, '--identity');
  }
  writeOutputs(
    [
      {
        path: keyOut,
        data: keyFormat === 'pem' ? key.exportPkcs8Pem() : key.exportPkcs8(),
        secret: true,
      },
      { path: csrOut, data: csrFormat === 'pem' ? request.pem : request.der },
    ],
    values.force,
    io,
  );
  // With an output on stdout, stdout holds only that output; the summary goes to stderr.
  const sink: Io = keyOut === STDIO || csrOut === STDIO ? { ...io, out: io.err } : io;
  const fingerprint = sha256Hex(key.publicKey.spki);
  if (values.json) {
    printJson(sink, {
      identity,
      keyFile: keyOut,
      csrFile: csrOut,
      keyFormat,
      csrFormat,
      publicKeySha256: fingerprint,
    });
  } else {
    const where = (path: string) => (path === STDIO ? 'stdout' : path);
    const mode = keyOut === STDIO ? '' : ', mode 0600';
    sink.out(
      `wrote ${where(keyOut)} (PKCS#8 ${keyFormat.toUpperCase()}${mode}) and ${where(csrOut)} (${csrFormat.toUpperCase()}) for ${identity}\npublic key sha256 ${fingerprint}\n`,
    );
  }
  return EXIT.OK;
};
