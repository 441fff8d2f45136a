import { writeBundle } from '../../anchor';
import { isPkiError } from '../../errors';
import { formatLintFinding, type LintSource, lintManifests } from '../../k8s';
import { durationFlag, HELP, parseFor, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle } from '../inputs';
import { readInput, STDIO } from '../io';

const OPTIONS = {
  ...HELP,
  anchors: { type: 'string' },
  'warn-within': { type: 'string', default: '1440h' },
  at: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/**
 * `l5d-pki lint FILE… | -`: Linkerd's PKI objects in YAML checked before they are applied, one line per
 * finding. Exit 0 clean, 1 findings, 2 unreadable input.
 */
export const lint: Command = async (args, io) => {
  const cmd = 'lint';
  const { values, positionals } = parseFor(cmd, { args, options: OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, cmd);
  if (positionals.length === 0) throw usageError('missing FILE (or - for standard input)', cmd);
  if (positionals.filter((p) => p === STDIO).length > 1) throw usageError('- may be given once', cmd);
  const warnWithin = durationFlag(values['warn-within'], '--warn-within', true);
  const now = timeOrNow(values.at, '--at');
  const anchors = values.anchors === undefined ? undefined : readBundle(values.anchors);
  const sources: LintSource[] = positionals.map((path) => {
    const input = readInput(path, 'YAML file');
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    try {
      return { name: path === STDIO ? '(stdin)' : path, text: text.decode(input.bytes) };
    } catch {
      throw new CliError(EXIT.USAGE, `${path}: is not UTF-8 text, so not YAML`, 'ERR_MANIFEST_INVALID');
    }
  });
  let result: Awaited<ReturnType<typeof lintManifests>>;
  try {
    result = await lintManifests({
      input: sources,
      ...(anchors === undefined ? {} : { bundle: writeBundle(anchors) }),
      now,
      warnWithin,
    });
  } catch (e) {
    if (isPkiError(e)) throw new CliError(EXIT.USAGE, e.message, e.code);
    throw toCliError(e);
  }
  if (values.json) {
    printJson(io, { ok: result.ok, objects: result.objects, findings: result.findings });
  } else {
    for (const f of result.findings) io.out(`${formatLintFinding(f)}\n`);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    const summary =
      result.objects.length === 0
        ? 'no Linkerd PKI object found (Secrets, ConfigMaps, cert-manager and trust-manager objects, Helm values)'
        : `${result.objects.length} object${result.objects.length === 1 ? '' : 's'} checked: ` +
          (result.ok
            ? 'no problems'
            : `${errors} error${errors === 1 ? '' : 's'}, ${result.findings.length - errors} warning${result.findings.length - errors === 1 ? '' : 's'}`);
    io.err(`${summary}\n`);
  }
  return result.ok ? EXIT.OK : EXIT.INVALID;
};
