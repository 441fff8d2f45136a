import { createCsr } from '../../csr';
import { generateKeyPair } from '../../keys';
import { HELP, identityFlag, parseFor, required } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { sha256Hex } from '../describe';
import { EXIT, toCliError } from '../errors';
import { writeOutputs } from '../io';

const OPTIONS = {
  ...HELP,
  identity: { type: 'string' },
  'key-out': { type: 'string', default: 'key.p8' },
  'csr-out': { type: 'string', default: 'csr.der' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** `l5d-pki csr`: a P-256 key (PKCS#8 DER, mode 0600) and a DER CSR, as the proxy makes at start-up. */
export const csr: Command = async (args, io) => {
  const { values } = parseFor('csr', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'csr');
  const identity = identityFlag(required(values.identity, '--identity', 'csr'), 'csr');
  const key = await generateKeyPair();
  let request: Awaited<ReturnType<typeof createCsr>>;
  try {
    request = await createCsr({ key, identity });
  } catch (e) {
    throw toCliError(e, '--identity');
  }
  const keyOut = values['key-out'];
  const csrOut = values['csr-out'];
  writeOutputs(
    [
      { path: keyOut, data: key.exportPkcs8(), secret: true },
      { path: csrOut, data: request.der },
    ],
    values.force,
  );
  const fingerprint = sha256Hex(key.publicKey.spki);
  if (values.json) {
    printJson(io, { identity, keyFile: keyOut, csrFile: csrOut, publicKeySha256: fingerprint });
  } else {
    io.out(
      `wrote ${keyOut} (PKCS#8 DER, mode 0600) and ${csrOut} (DER) for ${identity}\npublic key sha256 ${fingerprint}\n`,
    );
  }
  return EXIT.OK;
};
