import { writeBundle } from '../../anchor';
import { quoteInput } from '../../errors';
import { checkSigner } from '../../issuer';
import {
  helmValues,
  issuerRotationManifests,
  issuerSecret,
  toYaml,
  trustAnchorSecret,
  trustRootsConfigMap,
} from '../../k8s';
import type { PrivateKey } from '../../keys';
import { encodePem } from '../../pem';
import { spiffeBundleFromPem, writeSpiffeBundle } from '../../spiffe-bundle';
import type { Certificate } from '../../x509/types';
import { durationFlag, HELP, parseFor, required } from '../args';
import { type Command, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle, readCertificates, readPrivateKey } from '../inputs';
import type { Io } from '../io';
import { trustDomainFlag } from './init';

const NAMED = {
  ...HELP,
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

/** Reads a CA certificate (first of the file, the rest its chain) and its key, refusing a mismatch. */
function readCa(certPath: string, keyPath: string, what: string): { certs: Certificate[]; key: PrivateKey } {
  const certs = readCertificates(certPath, `${what} certificate`);
  const key = readPrivateKey(keyPath, `${what} key`);
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

function emit(io: Io, objects: object | readonly object[]): ReturnType<Command> {
  io.out(toYaml(objects));
  return Promise.resolve(EXIT.OK);
}

const SECRET_OPTIONS = {
  ...NAMED,
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  anchors: { type: 'string' },
  'anchor-cert': { type: 'string' },
  'anchor-key': { type: 'string' },
} as const;

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
  try {
    if (anchorMode) {
      const certPath = required(values['anchor-cert'], '--anchor-cert', cmd);
      const { certs, key } = readCa(
        certPath,
        required(values['anchor-key'], '--anchor-key', cmd),
        'trust anchor',
      );
      return emit(
        io,
        trustAnchorSecret({
          anchor: { certificate: pemOf(certs.slice(0, 1)), key: key.exportPkcs8Pem() },
          ...meta(values),
        }),
      );
    }
    const certPath = required(values['issuer-cert'], '--issuer-cert', cmd);
    const keyPath = required(values['issuer-key'], '--issuer-key', cmd);
    const anchors = readBundle(required(values.anchors, '--anchors', cmd));
    const { certs, key } = readCa(certPath, keyPath, 'issuer');
    return emit(
      io,
      issuerSecret({
        issuer: { certificate: pemOf(certs), key: key.exportPkcs8Pem() },
        bundle: writeBundle(anchors),
        ...meta(values),
      }),
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
    return emit(io, trustRootsConfigMap({ bundle: writeBundle(anchors), ...meta(values) }));
  } catch (e) {
    throw toCliError(e);
  }
};

const CERT_MANAGER_OPTIONS = {
  ...HELP,
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
  const { certs, key } = readCa(certPath, keyPath, 'trust anchor');
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
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const HELM_OPTIONS = {
  ...HELP,
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
  const { certs, key } = readCa(certPath, keyPath, 'issuer');
  try {
    return emit(
      io,
      helmValues({
        bundle: writeBundle(anchors),
        issuer: { certificate: pemOf(certs), key: key.exportPkcs8Pem() },
      }),
    );
  } catch (e) {
    throw toCliError(e);
  }
};

const SPIFFE_BUNDLE_OPTIONS = {
  ...HELP,
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
    io.out(writeSpiffeBundle({ bundle }));
    return EXIT.OK;
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
};

/**
 * `l5d-pki manifests <secret|configmap|cert-manager|helm|spiffe-bundle>`: Kubernetes YAML (or, for
 * `spiffe-bundle`, a SPIFFE bundle document) on stdout.
 */
export const manifests: Command = async (args, io) => {
  const [kind, ...rest] = args;
  if (kind === undefined || kind === '--help' || kind === '-h' || kind === 'help')
    return showHelp(io, 'manifests');
  const command = KINDS[kind];
  if (command === undefined || !Object.hasOwn(KINDS, kind)) {
    throw usageError(
      `unknown manifest kind ${quoteInput(kind)}; expected secret, configmap, cert-manager, helm or spiffe-bundle`,
      'manifests',
    );
  }
  return command(rest, io);
};
