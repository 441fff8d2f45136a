import { join } from 'node:path';
import { isPkiError, quoteInput } from '../../errors';
import type { TokenAuthenticator } from '../../identity/authenticator';
import { loadIssuer } from '../../issuer';
import { jwksTokenAuthenticator } from '../../node/identity/jwt';
import { ISSUER_SCHEMES, watchIssuerFiles } from '../../node/identity/reload';
import { type IdentityLogEntry, startIdentityServer } from '../../node/identity/server';
import {
  inClusterAccess,
  kubeconfigAccess,
  tokenReviewAuthenticator,
} from '../../node/identity/token-review';
import { durationFlag, HELP, maxPositionals, parseFor, required } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, usageError } from '../errors';
import { readBundle, readCertificates, readPrivateKey } from '../inputs';
import { readInput } from '../io';
import { trustDomainFlag } from './init';

const OPTIONS = {
  ...HELP,
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  'issuer-dir': { type: 'string' },
  scheme: { type: 'string', default: 'linkerd.io/tls' },
  anchors: { type: 'string' },
  'token-jwks': { type: 'string' },
  'token-issuer': { type: 'string' },
  kubeconfig: { type: 'string' },
  'in-cluster': { type: 'boolean', default: false },
  'trust-domain': { type: 'string', default: 'cluster.local' },
  namespace: { type: 'string', default: 'linkerd' },
  listen: { type: 'string', default: '127.0.0.1:8080' },
  admin: { type: 'string' },
  'issuance-lifetime': { type: 'string', default: '24h' },
  'clock-skew-allowance': { type: 'string', default: '20s' },
} as const;

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * `l5d-pki serve identity`: Linkerd's identity service (`Identity/Certify` over gRPC and TLS) on local
 * files. Prints `listening on HOST:PORT` once it accepts connections, logs one JSON line per call on
 * stderr, and stops gracefully on SIGTERM or SIGINT.
 */
export const serve: Command = async (args, io) => {
  const [what, ...rest] = args;
  if (what === undefined || what === '--help' || what === '-h') return showHelp(io, 'serve');
  if (what !== 'identity') throw usageError(`unknown service ${quoteInput(what)}`, 'serve');
  const command = 'serve identity';
  const { values, positionals } = parseFor(command, { args: rest, options: OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, command);
  maxPositionals(positionals, 0, command);
  const dir = values['issuer-dir'];
  let certPath: string;
  let keyPath: string;
  if (dir !== undefined) {
    if (values['issuer-cert'] !== undefined || values['issuer-key'] !== undefined)
      throw usageError('--issuer-dir excludes --issuer-cert and --issuer-key', command);
    const scheme = values.scheme;
    if (scheme !== 'kubernetes.io/tls' && scheme !== 'linkerd.io/tls')
      throw usageError(
        `--scheme ${quoteInput(scheme)} is neither kubernetes.io/tls nor linkerd.io/tls`,
        command,
      );
    certPath = join(dir, ISSUER_SCHEMES[scheme].certificate);
    keyPath = join(dir, ISSUER_SCHEMES[scheme].key);
  } else {
    certPath = required(values['issuer-cert'], '--issuer-cert', command);
    keyPath = required(values['issuer-key'], '--issuer-key', command);
  }
  const anchorsPath = required(values.anchors, '--anchors', command);
  const jwksPath = values['token-jwks'];
  const sources = [jwksPath !== undefined, values.kubeconfig !== undefined, values['in-cluster']].filter(
    Boolean,
  );
  if (sources.length !== 1)
    throw usageError('give exactly one of --token-jwks, --kubeconfig and --in-cluster', command);
  const trustDomain = trustDomainFlag(values['trust-domain'], command);
  if (!NAMESPACE.test(values.namespace))
    throw usageError(`--namespace ${quoteInput(values.namespace)} is not a DNS-1123 label`, command);
  const issuanceLifetime = durationFlag(values['issuance-lifetime'], '--issuance-lifetime');
  const clockSkewAllowance = durationFlag(values['clock-skew-allowance'], '--clock-skew-allowance', true);

  const [certificate, ...chain] = readCertificates(certPath, 'issuer certificate');
  const key = readPrivateKey(keyPath, 'issuer key');
  const issuer = loadIssuer({ certificate: certificate!, key, chain });
  const bundle = readBundle(anchorsPath);
  let authenticator: TokenAuthenticator;
  try {
    if (jwksPath !== undefined) {
      const jwks = readInput(jwksPath, 'JSON Web Key Set');
      authenticator = jwksTokenAuthenticator({
        jwks: new TextDecoder().decode(jwks.bytes),
        ...(values['token-issuer'] === undefined ? {} : { issuer: values['token-issuer'] }),
      });
    } else if (values.kubeconfig !== undefined) {
      const config = readInput(values.kubeconfig, 'kubeconfig');
      authenticator = tokenReviewAuthenticator({
        cluster: kubeconfigAccess(new TextDecoder().decode(config.bytes)),
      });
    } else {
      authenticator = tokenReviewAuthenticator({ cluster: inClusterAccess() });
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(EXIT.USAGE, isPkiError(e) ? e.message : String(e), 'ERR_INVALID_ARGUMENT');
  }
  const log = (entry: IdentityLogEntry) =>
    io.err(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

  let server: Awaited<ReturnType<typeof startIdentityServer>>;
  try {
    server = await startIdentityServer({
      issuer,
      bundle,
      authenticator,
      settings: {
        trustDomain,
        controlPlaneNamespace: values.namespace,
        issuanceLifetime,
        clockSkewAllowance,
      },
      listen: values.listen,
      ...(values.admin === undefined ? {} : { admin: values.admin }),
      log,
    });
  } catch (e) {
    if (isPkiError(e)) throw e;
    throw new CliError(EXIT.USAGE, `cannot listen: ${(e as Error).message ?? String(e)}`);
  }
  const watcher = watchIssuerFiles(server, { certificateFile: certPath, keyFile: keyPath, log });
  io.out(`listening on ${server.address}\n`);
  if (server.adminAddress !== undefined) io.out(`admin on ${server.adminAddress}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      log({ level: 'info', msg: `${signal}: finishing the calls in flight` });
      watcher.stop();
      void server.close().then(resolve);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  return EXIT.OK;
};
