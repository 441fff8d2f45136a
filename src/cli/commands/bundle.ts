import {
  addToBundle,
  type BundleEdit,
  type BundleEntry,
  type BundleText,
  diffBundles,
  parseBundle,
  pruneBundle,
  removeFromBundle,
} from '../../anchor';
import { quoteInput } from '../../errors';
import { HELP, maxPositionals, parseFor, required, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { CliError, EXIT, type ExitStatus, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';
import { type Io, readInput, writeOutputs } from '../io';

const EDIT = {
  ...HELP,
  bundle: { type: 'string' },
  out: { type: 'string', default: '-' },
  now: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

function entryJson(e: BundleEntry) {
  return {
    subject: `CN=${e.subject}`,
    sha256Fingerprint: e.fingerprint,
    notBefore: rfc3339(e.notBefore),
    notAfter: rfc3339(e.notAfter),
    expired: e.expired,
  };
}

function entryLine(e: BundleEntry): string {
  const state = e.expired ? 'expired' : 'valid until';
  return `CN=${e.subject}  ${state} ${rfc3339(e.notAfter)}  sha256 ${e.fingerprint}`;
}

/** A bundle file as text (duplicates kept, so they can be counted), or one DER certificate. */
function bundleInput(path: string): BundleText {
  const input = readInput(path, 'trust-anchor bundle');
  if (input.pem === undefined) return readBundle(path);
  const text = input.pem;
  attempt(() => parseBundle(text), path);
  return text;
}

function attempt<T>(f: () => T, context: string): T {
  try {
    return f();
  } catch (e) {
    throw toCliError(e, context);
  }
}

/**
 * Writes an edited bundle to `--out` (a file, or `-` for stdout) and reports what changed: on stdout
 * when the bundle went to a file, on stderr when the bundle itself is on stdout.
 */
function finish(
  io: Io,
  edit: BundleEdit,
  verb: string,
  out: string,
  force: boolean,
  json: boolean,
): ExitStatus {
  const report = {
    [verb]: edit.changed.map(entryJson),
    ...(verb === 'added' ? { alreadyPresent: edit.unchanged.map(entryJson) } : {}),
    duplicatesDropped: edit.duplicates,
    anchors: edit.anchors.map(entryJson),
  };
  const lines = [
    ...edit.changed.map((e) => `${verb} ${entryLine(e)}`),
    ...edit.unchanged.map((e) => `already present ${entryLine(e)}`),
    ...(edit.duplicates > 0 ? [`dropped ${edit.duplicates} duplicate certificate(s)`] : []),
    `the bundle holds ${edit.anchors.length} anchor(s):`,
    ...edit.anchors.map((e) => `  ${entryLine(e)}`),
  ];
  if (out === '-') {
    if (json) printJson(io, { ...report, pem: edit.pem });
    else {
      io.out(edit.pem);
      io.err(`${lines.join('\n')}\n`);
    }
    return EXIT.OK;
  }
  writeOutputs([{ path: out, data: edit.pem }], force);
  if (json) printJson(io, { file: out, ...report });
  else io.out(`wrote ${out}\n${lines.join('\n')}\n`);
  return EXIT.OK;
}

const ADD_OPTIONS = { ...EDIT, cert: { type: 'string', multiple: true } } as const;

const add: Command = async (args, io) => {
  const cmd = 'bundle add';
  const { values } = parseFor(cmd, { args, options: ADD_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const bundlePath = required(values.bundle, '--bundle', cmd);
  const certPaths = values.cert ?? [];
  if (certPaths.length === 0) throw usageError('missing --cert', cmd);
  const now = timeOrNow(values.now, '--now');
  const bundle = bundleInput(bundlePath);
  const added = certPaths.flatMap((p) => readCertificates(p, 'trust anchor'));
  const edit = attempt(() => addToBundle({ bundle, add: added, now }), certPaths.join(', '));
  return finish(io, edit, 'added', values.out, values.force, values.json);
};

const REMOVE_OPTIONS = { ...EDIT, fingerprint: { type: 'string', multiple: true } } as const;

const remove: Command = async (args, io) => {
  const cmd = 'bundle remove';
  const { values } = parseFor(cmd, { args, options: REMOVE_OPTIONS });
  if (values.help) return showHelp(io, cmd);
  const bundlePath = required(values.bundle, '--bundle', cmd);
  const fingerprints = values.fingerprint ?? [];
  if (fingerprints.length === 0) throw usageError('missing --fingerprint', cmd);
  const now = timeOrNow(values.now, '--now');
  const bundle = bundleInput(bundlePath);
  let edit: BundleEdit;
  try {
    edit = removeFromBundle({ bundle, fingerprints, now });
  } catch (e) {
    const err = toCliError(e, bundlePath);
    // A fingerprint the bundle does not hold: the input was read, and the request refused.
    throw err.code === 'ERR_INVALID_ARGUMENT' && /holds no certificate/.test(err.message)
      ? new CliError(EXIT.INVALID, err.message, err.code)
      : err;
  }
  return finish(io, edit, 'removed', values.out, values.force, values.json);
};

const prune: Command = async (args, io) => {
  const cmd = 'bundle prune';
  const { values } = parseFor(cmd, { args, options: EDIT });
  if (values.help) return showHelp(io, cmd);
  const bundlePath = required(values.bundle, '--bundle', cmd);
  const now = timeOrNow(values.now, '--now');
  const bundle = bundleInput(bundlePath);
  let edit: BundleEdit;
  try {
    edit = pruneBundle({ bundle, now });
  } catch (e) {
    const err = toCliError(e, bundlePath);
    throw err.code === 'ERR_BUNDLE_EMPTY' ? new CliError(EXIT.INVALID, err.message, err.code) : err;
  }
  return finish(io, edit, 'dropped', values.out, values.force, values.json);
};

const DIFF_OPTIONS = {
  ...HELP,
  now: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

const diff: Command = async (args, io) => {
  const cmd = 'bundle diff';
  const { values, positionals } = parseFor(cmd, { args, options: DIFF_OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, cmd);
  if (positionals.length < 2) throw usageError('expected two bundles: bundle diff A B', cmd);
  maxPositionals(positionals, 2, cmd);
  const [pathA, pathB] = positionals as [string, string];
  const now = timeOrNow(values.now, '--now');
  const a = readBundle(pathA);
  const b = readBundle(pathB);
  const d = attempt(() => diffBundles({ a, b, now }), `${pathA}, ${pathB}`);
  if (values.json) {
    printJson(io, {
      a: pathA,
      b: pathB,
      at: rfc3339(now),
      shareTrust: d.shareTrust,
      sharedUntil: d.sharedUntil === null ? null : rfc3339(d.sharedUntil),
      shared: d.shared.map(entryJson),
      renewed: d.renewed.map((r) => ({ a: entryJson(r.a), b: entryJson(r.b) })),
      onlyA: d.onlyA.map(entryJson),
      onlyB: d.onlyB.map(entryJson),
    });
  } else {
    const verdict = d.shareTrust
      ? `the bundles share a trust anchor, valid until ${rfc3339(d.sharedUntil!)}`
      : d.sharedUntil === null
        ? 'the bundles share no trust anchor: leaves of one do not verify with the other'
        : `the bundles share no valid trust anchor: the last shared one expired on ${rfc3339(d.sharedUntil)}`;
    io.out(
      [
        verdict,
        `shared (${d.shared.length})`,
        ...d.shared.map((e) => `  ${entryLine(e)}`),
        ...(d.renewed.length === 0
          ? []
          : [
              `same subject and key, renewed (${d.renewed.length})`,
              ...d.renewed.flatMap((r) => [`  ${pathA}: ${entryLine(r.a)}`, `  ${pathB}: ${entryLine(r.b)}`]),
            ]),
        `only in ${pathA} (${d.onlyA.length})`,
        ...d.onlyA.map((e) => `  ${entryLine(e)}`),
        `only in ${pathB} (${d.onlyB.length})`,
        ...d.onlyB.map((e) => `  ${entryLine(e)}`),
        '',
      ].join('\n'),
    );
  }
  return d.shareTrust ? EXIT.OK : EXIT.INVALID;
};

const KINDS: Readonly<Record<string, Command>> = { add, remove, prune, diff };

/**
 * `l5d-pki bundle add|remove|prune|diff`: edit a `ca-bundle.crt` during an anchor rotation (add the new
 * anchor, remove one by SHA-256 fingerprint, drop expired ones and duplicates), or compare two bundles.
 */
export const bundle: Command = async (args, io) => {
  const [kind, ...rest] = args;
  if (kind === '--help' || kind === '-h') return showHelp(io, 'bundle');
  if (kind === undefined) throw usageError('missing subcommand: add, remove, prune or diff', 'bundle');
  const command = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (command === undefined) {
    throw usageError(`unknown subcommand ${quoteInput(kind)}: add, remove, prune or diff`, 'bundle');
  }
  return command(rest, io);
};
