import { writeBundle } from '../../anchor';
import { quoteInput } from '../../errors';
import { checkSigner } from '../../issuer';
import {
  helmValues,
  ISSUER_SECRET_SCHEMES,
  type IssuerSecretScheme,
  issuerRotationManifests,
  issuerSecret,
  toYaml,
  trustAnchorSecret,
  trustManagerBundle,
  trustRootsConfigMap,
} from '../../k8s';
import type { PrivateKey } from '../../keys';
import { encodePem } from '../../pem';
import { spiffeBundleFromPem, writeSpiffeBundle } from '../../spiffe-bundle';
import { verifyChain } from '../../verify';
import type { Certificate } from '../../x509/types';
import { durationFlag, HELP, parseFor, required } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';
import { type Io, writeOutputs } from '../io';
import { PASSWORD_FILE, readKey } from '../keyfiles';
import { trustDomainFlag } from './init';

/** `--out FILE` (`-`, the default, is stdout) and `--force`, which every manifest takes. */
const OUT = {
  out: { type: 'string', default: '-' },
  force: { type: 'boolean', default: false },
} as const;

const NAMED = {
  ...HELP,
  ...OUT,
  namespace: { type: 'string' },
  name: { type: 'string' },
} as const;

function meta(values: { namespace?: string | undefined; name?: string | undefined }): {
  namespace?: string;
  name?: string;
} {
  return {
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...(values.name === undefined ? {} : { name: values.name }),
  };
}

function pemOf(certs: readonly Certificate[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

/**
 * Reads a CA certificate (first of the file, the rest its chain) and its key, refusing a mismatch. An
 * encrypted key is decrypted with the password in `passwordFile`, and refused without it.
 */
async function readCa(
  certPath: string,
  keyPath: string,
  what: string,
  passwordFile: string | undefined,
): Promise<{ certs: Certificate[]; key: PrivateKey }> {
  const certs = readCertificates(certPath, `${what} certificate`);
  const key = await readKey(keyPath, `${what} key`, passwordFile);
  if (!key.publicKey.equals(certs[0]!.publicKey)) {
    throw new CliError(
      EXIT.INVALID,
      `${keyPath}: the ${what} key does not match ${certPath}`,
      'ERR_KEY_MISMATCH',
    );
  }
  if (!certs[0]!.basicConstraints?.ca) {
    throw new CliError(EXIT.INVALID, `${certPath}: the ${what} certificate is not a CA`, 'ERR_ISSUER_NOT_CA');
  }
  return { certs, key };
}

/** Prints `text` on stdout, or writes it to `--out` (exclusive create unless `--force`). */
function write(io: Io, text: string, values: { out: string; force: boolean }): typeof EXIT.OK {
  writeOutputs([{ path: values.out, data: text }], values.force, io);
  return EXIT.OK;
}

/** Prints YAML of `objects`, to `--out` when `values` carries it (every manifest takes `...OUT`). */
function emit(
  io: Io,
  objects: object | readonly object[],
  values: { out: string; force: boolean } = { out: '-', force: false },
): ReturnType<Command> {
  return Promise.resolve(write(io, toYaml(objects), values));
}

const SECRET_OPTIONS = {
  ...NAMED,
  ...PASSWORD_FILE,
  scheme: { type: 'string' },
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  anchors: { type: 'string' },
  'anchor-cert': { type: 'string' },
  'anchor-key': { type: 'string' },
} as const;

/** `--scheme`: one of Linkerd's two issuer Secret schemes, `linkerd.io/tls` when absent. */
export function schemeFlag(value: string | undefined, command: string): IssuerSecretScheme {
  if (value === undefined) return 'linkerd.io/tls';
  if (!(ISSUER_SECRET_SCHEMES as readonly string[]).includes(value)) {
    throw usageError(`--scheme ${quoteInput(value)} must be linkerd.io/tls or kubernetes.io/tls`, command);
  }
  return value as IssuerSecretScheme;
}

/** Refuses (exit 1) an issuer that does not chain to `anchors` now, as Linkerd's identity service would. */
async function requireChain(
  certs: readonly Certificate[],
  anchors: readonly Certificate[],
  certPath: string,
  anchorsPath: string,
): Promise<void> {
  const result = await verifyChain({
    leaf: certs[0]!,
    intermediates: certs.slice(1),
    bundle: anchors,
    usage: 'server',
  });
  if (!result.ok) {
    throw new CliError(
      EXIT.INVALID,
      `${certPath}: the issuer does not chain to the trust anchors in ${anchorsPath}: ${result.reason}`,
      'ERR_ISSUER_CHAIN',
    );
  }
}

const secret: Command = async (args, io) => {
  const cmd = 'manifests secret';
  const { values } = parseFor(cmd, { args, options: SECRET_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const anchorMode = values['anchor-cert'] !== undefined || values['anchor-key'] !== undefined;
  const issuerMode =
    values['issuer-cert'] !== undefined || values['issuer-key'] !== undefined || values.anchors !== undefined;
  if (anchorMode && issuerMode) {
    throw usageError(
      'give either the issuer (--issuer-cert, --issuer-key, --anchors) or the anchor (--anchor-cert, --anchor-key)',
      cmd,
    );
  }
  if (anchorMode && values.scheme !== undefined) {
    throw usageError(
      '--scheme applies to the issuer Secret; the trust-anchor Secret is always kubernetes.io/tls',
      cmd,
    );
  }
  const scheme = schemeFlag(values.scheme, cmd);
  try {
    if (anchorMode) {
      const certPath = required(values['anchor-cert'], '--anchor-cert', cmd);
      const { certs, key } = await readCa(
        certPath,
        required(values['anchor-key'], '--anchor-key', cmd),
        'trust anchor',
        values['password-file'],
      );
      return emit(
        io,
        trustAnchorSecret({
          anchor: { certificate: pemOf(certs.slice(0, 1)), key: key.exportPkcs8Pem() },
          ...meta(values),
        }),
        values,
      );
    }
    const certPath = required(values['issuer-cert'], '--issuer-cert', cmd);
    const keyPath = required(values['issuer-key'], '--issuer-key', cmd);
    const anchorsPath = required(values.anchors, '--anchors', cmd);
    const anchors = readBundle(anchorsPath);
    const { certs, key } = await readCa(certPath, keyPath, 'issuer', values['password-file']);
    await requireChain(certs, anchors, certPath, anchorsPath);
    const issuer = { certificate: pemOf(certs), key: key.exportPkcs8Pem() };
    return emit(
      io,
      scheme === 'linkerd.io/tls'
        ? issuerSecret({ issuer, scheme, ...meta(values) })
        : issuerSecret({ issuer, bundle: writeBundle(anchors), scheme, ...meta(values) }),
      values,
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const CONFIGMAP_OPTIONS = { ...NAMED, anchors: { type: 'string' } } as const;

const configmap: Command = async (args, io) => {
  const cmd = 'manifests configmap';
  const { values } = parseFor(cmd, { args, options: CONFIGMAP_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const anchors = readBundle(required(values.anchors, '--anchors', cmd));
  try {
    return emit(io, trustRootsConfigMap({ bundle: writeBundle(anchors), ...meta(values) }), values);
  } catch (e) {
    throw toCliError(e);
  }
};

const CERT_MANAGER_OPTIONS = {
  ...HELP,
  ...OUT,
  ...PASSWORD_FILE,
  namespace: { type: 'string' },
  'anchor-cert': { type: 'string' },
  'anchor-key': { type: 'string' },
  duration: { type: 'string' },
  'renew-before': { type: 'string' },
  'renew-before-percentage': { type: 'string' },
  'trust-domain': { type: 'string', default: 'cluster.local' },
} as const;

const certManager: Command = async (args, io) => {
  const cmd = 'manifests cert-manager';
  const { values } = parseFor(cmd, { args, options: CERT_MANAGER_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const domain = trustDomainFlag(values['trust-domain'], cmd);
  const certPath = required(values['anchor-cert'], '--anchor-cert', cmd);
  const keyPath = required(values['anchor-key'], '--anchor-key', cmd);
  if (values.duration !== undefined) durationFlag(values.duration, '--duration');
  const before = values['renew-before'];
  const pct = values['renew-before-percentage'];
  if (before !== undefined) durationFlag(before, '--renew-before');
  if (pct !== undefined && !/^\d{1,3}$/.test(pct)) {
    throw new CliError(EXIT.USAGE, '--renew-before-percentage must be a whole number, like 33');
  }
  const { certs, key } = await readCa(certPath, keyPath, 'trust anchor', values['password-file']);
  try {
    checkSigner({ issuer: { certificate: certs[0]!, key } });
    const commonName = `identity.linkerd.${domain}`;
    return emit(
      io,
      issuerRotationManifests({
        anchor: { certificate: pemOf(certs.slice(0, 1)), key: key.exportPkcs8Pem() },
        commonName,
        ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
        ...(values.duration === undefined ? {} : { duration: values.duration }),
        ...(before === undefined ? {} : { renewBefore: before }),
        ...(pct === undefined ? {} : { renewBeforePercentage: Number(pct) }),
      }),
      values,
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const HELM_OPTIONS = {
  ...HELP,
  ...OUT,
  ...PASSWORD_FILE,
  anchors: { type: 'string' },
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
} as const;

const helm: Command = async (args, io) => {
  const cmd = 'manifests helm';
  const { values } = parseFor(cmd, { args, options: HELM_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const anchorsPath = required(values.anchors, '--anchors', cmd);
  const certPath = required(values['issuer-cert'], '--issuer-cert', cmd);
  const keyPath = required(values['issuer-key'], '--issuer-key', cmd);
  const anchors = readBundle(anchorsPath);
  const { certs, key } = await readCa(certPath, keyPath, 'issuer', values['password-file']);
  try {
    return emit(
      io,
      helmValues({
        bundle: writeBundle(anchors),
        issuer: { certificate: pemOf(certs), key: key.exportPkcs8Pem() },
      }),
      values,
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const SPIFFE_BUNDLE_OPTIONS = {
  ...HELP,
  ...OUT,
  anchors: { type: 'string' },
  'trust-domain': { type: 'string' },
  sequence: { type: 'string' },
  'refresh-hint': { type: 'string' },
} as const;

/** `manifests spiffe-bundle`: the anchors as a SPIFFE bundle document (JSON) on stdout. */
const spiffeBundle: Command = async (args, io) => {
  const cmd = 'manifests spiffe-bundle';
  const { values } = parseFor(cmd, { args, options: SPIFFE_BUNDLE_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const anchors = readBundle(required(values.anchors, '--anchors', cmd));
  const trustDomain = required(values['trust-domain'], '--trust-domain', cmd);
  const sequence = values.sequence;
  if (sequence !== undefined && !(/^\d{1,16}$/.test(sequence) && Number.isSafeInteger(Number(sequence)))) {
    throw usageError(`--sequence ${quoteInput(sequence)} must be a whole number from 0 to 2^53 - 1`, cmd);
  }
  const hint = values['refresh-hint'];
  const hintMs = hint === undefined ? undefined : durationFlag(hint, '--refresh-hint');
  if (hintMs !== undefined && hintMs % 1000 !== 0) {
    throw usageError('--refresh-hint must be whole seconds, like 5m or 300s', cmd);
  }
  try {
    const bundle = spiffeBundleFromPem({
      trustDomain,
      bundle: anchors,
      ...(sequence === undefined ? {} : { sequence: Number(sequence) }),
      ...(hintMs === undefined ? {} : { refreshHint: hintMs }),
    });
    return write(io, writeSpiffeBundle({ bundle }), values);
  } catch (e) {
    throw toCliError(e);
  }
};

const TRUST_MANAGER_OPTIONS = {
  ...HELP,
  ...OUT,
  name: { type: 'string' },
  secret: { type: 'string' },
  key: { type: 'string' },
  'previous-secret': { type: 'string' },
  anchors: { type: 'string' },
} as const;

/** `manifests trust-manager`: the trust-manager Bundle that writes ca-bundle.crt into the trust-roots ConfigMap. */
const trustManager: Command = async (args, io) => {
  const cmd = 'manifests trust-manager';
  const { values } = parseFor(cmd, { args, options: TRUST_MANAGER_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const anchors = values.anchors === undefined ? undefined : writeBundle(readBundle(values.anchors));
  try {
    return emit(
      io,
      trustManagerBundle({
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.secret === undefined ? {} : { secretName: values.secret }),
        ...(values.key === undefined ? {} : { secretKey: values.key }),
        ...(values['previous-secret'] === undefined ? {} : { previousSecretName: values['previous-secret'] }),
        ...(anchors === undefined ? {} : { inLine: anchors }),
      }),
      values,
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const KINDS: Readonly<Record<string, Command>> = {
  secret,
  configmap,
  'cert-manager': certManager,
  helm,
  'spiffe-bundle': spiffeBundle,
  'trust-manager': trustManager,
};

/**
 * `l5d-pki manifests <secret|configmap|cert-manager|helm|spiffe-bundle>`: Kubernetes YAML (or, for
 * `spiffe-bundle`, a SPIFFE bundle document) on stdout.
 */
export const manifests: Command = async (args, io) => {
  const [kind, ...rest] = args;
  if (kind === '--help' || kind === '-h' || kind === 'help') return showHelp(io, 'manifests');
  if (kind === undefined) throw usageError('missing the kind of manifest', 'manifests');
  const command = KINDS[kind];
  if (command === undefined || !Object.hasOwn(KINDS, kind)) {
    throw usageError(
      `unknown manifest kind ${quoteInput(kind)}; expected secret, configmap, cert-manager, helm, trust-manager or spiffe-bundle`,
      'manifests',
    );
  }
  return command(rest, io);
};
