import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { quoteInput } from '../../errors';
import { generateKeyPair, type PrivateKey } from '../../keys';
import { type CertifyClientSuccess, createIdentityClient } from '../../node/identity/client';
import { parseHostPort } from '../../node/identity/grpc';
import { startRenewal } from '../../schedule/renewal';
import { parseLinkerdIdentity } from '../../spiffe';
import { HELP, identityFlag, maxPositionals, parseFor, required, rfc3339 } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle, readPrivateKey } from '../inputs';
import { ensureDirectory, readInput, writeOutputs } from '../io';

const OPTIONS = {
  ...HELP,
  server: { type: 'string' },
  anchors: { type: 'string' },
  identity: { type: 'string' },
  'token-file': { type: 'string' },
  'server-name': { type: 'string' },
  out: { type: 'string' },
  watch: { type: 'boolean', default: false },
} as const;

const COMMAND = 'certify';

/** The identity service's own name for the control-plane namespace and trust domain of `identity`. */
function linkerdServerName(identity: string): string {
  const { controlPlaneNamespace: ns, trustDomain } = parseLinkerdIdentity(identity);
  return `linkerd-identity.${ns}.serviceaccount.identity.${ns}.${trustDomain}`;
}

/**
 * `l5d-pki certify`: what the proxy does to get its certificate. Makes (or reuses) a P-256 key in the
 * output directory, calls the identity service over TLS trusting only the anchors, verifies the answer
 * and writes `tls.key` and `tls.crt` (the leaf and its intermediates).
 */
export const certify: Command = async (args, io) => {
  const { values, positionals } = parseFor(COMMAND, { args, options: OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, COMMAND);
  maxPositionals(positionals, 0, COMMAND);
  const server = required(values.server, '--server', COMMAND);
  if (parseHostPort(server) === undefined)
    throw usageError(`--server ${quoteInput(server)} is not HOST:PORT`, COMMAND);
  const anchorsPath = required(values.anchors, '--anchors', COMMAND);
  const identity = identityFlag(required(values.identity, '--identity', COMMAND), COMMAND);
  const tokenPath = required(values['token-file'], '--token-file', COMMAND);
  const out = required(values.out, '--out', COMMAND);
  const serverName = values['server-name'];
  if (serverName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(serverName))
    throw usageError(`--server-name ${quoteInput(serverName)} is not a DNS name`, COMMAND);

  const bundle = readBundle(anchorsPath);
  ensureDirectory(out);
  const keyPath = join(out, 'tls.key');
  const crtPath = join(out, 'tls.crt');
  const reused = existsSync(keyPath);
  const key: PrivateKey = reused ? readPrivateKey(keyPath, 'key') : await generateKeyPair();
  if (!reused) writeOutputs([{ path: keyPath, data: key.exportPkcs8Pem(), secret: true }], false);

  // One channel for every attempt, as the proxy keeps its connection to the identity service.
  const client = createIdentityClient({
    server,
    bundle,
    serverName: serverName ?? linkerdServerName(identity),
  });
  /** One attempt, as the proxy makes it: the token file is read again every time. */
  const attempt = async (): Promise<CertifyClientSuccess> => {
    const token = readInput(tokenPath, 'service-account token').bytes;
    const result = await client.certify({ identity, token, key });
    if (!result.ok) throw new CliError(EXIT.INVALID, `${result.code}: ${result.message}`);
    writeOutputs([{ path: crtPath, data: result.chainPem }], true);
    return result;
  };
  const report = (result: CertifyClientSuccess, first: boolean) =>
    io.out(
      [
        ...(first ? [`wrote ${reused ? '' : `${keyPath} and `}${crtPath}`, `identity     ${identity}`] : []),
        `valid until  ${rfc3339(result.validUntil)}`,
        `refresh at   ${rfc3339(new Date(Math.ceil(result.refreshAt.getTime() / 1000) * 1000))}`,
        '',
      ].join('\n'),
    );

  if (!values.watch) {
    try {
      report(await attempt(), true);
    } finally {
      client.close();
    }
    return EXIT.OK;
  }
  // --watch: renew on the proxy's schedule (70% of the time left, 10 s..24 h), backing off 100 ms to 60 s
  // with jitter after a failure, until SIGTERM or SIGINT.
  let first = true;
  const controller = new AbortController();
  const loop = startRenewal<CertifyClientSuccess>({
    obtain: attempt,
    signal: controller.signal,
    backoff: { min: 100, max: 60_000, jitter: 0.1 },
    onRenewal: (e) => {
      report(e.certificate, first);
      first = false;
    },
    onFailure: (e) => {
      const message = e.error instanceof CliError ? e.error.message : toCliError(e.error).message;
      io.err(`l5d-pki: ${message}; retrying at ${rfc3339(e.retryAt)}\n`);
    },
  });
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await loop.stopped;
  client.close();
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  return EXIT.OK;
};
