import { quoteInput } from '../../errors';
import { isValidSpiffeId } from '../../spiffe';
import type { Usage } from '../../verify';
import { verifyChain } from '../../verify';
import { formatName } from '../../x509';
import { HELP, parseFor, required, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { EXIT, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';

const OPTIONS = {
  ...HELP,
  bundle: { type: 'string' },
  chain: { type: 'string' },
  identity: { type: 'string' },
  spiffe: { type: 'string' },
  at: { type: 'string' },
  usage: { type: 'string', default: 'any' },
  json: { type: 'boolean', default: false },
} as const;

const USAGES: readonly Usage[] = ['any', 'server', 'client'];

/**
 * `l5d-pki verify`: validates the chain (leaf first, then intermediates) against the trust-anchor bundle.
 * Exit 0 when valid, 1 when not (the reason as one line on stderr), 2 for usage errors or unreadable input.
 */
export const verify: Command = async (args, io) => {
  const { values } = parseFor('verify', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'verify');
  const bundlePath = required(values.bundle, '--bundle', 'verify');
  const chainPath = required(values.chain, '--chain', 'verify');
  if (values.identity !== undefined && values.spiffe !== undefined) {
    throw usageError('--identity and --spiffe exclude each other', 'verify');
  }
  if (values.spiffe !== undefined && !isValidSpiffeId(values.spiffe)) {
    throw usageError(
      `--spiffe ${quoteInput(values.spiffe)} is not a SPIFFE ID (spiffe://<trust-domain>/<path>)`,
      'verify',
    );
  }
  const usage = USAGES.find((u) => u === values.usage);
  if (usage === undefined) throw usageError('--usage must be any, server or client', 'verify');
  const at = timeOrNow(values.at, '--at');
  const name = values.identity ?? values.spiffe;

  const bundle = readBundle(bundlePath);
  const [leaf, ...intermediates] = readCertificates(chainPath, 'certificate chain');
  let result: Awaited<ReturnType<typeof verifyChain>>;
  try {
    result = await verifyChain({
      leaf: leaf!,
      intermediates,
      bundle,
      at,
      usage,
      ...(name === undefined ? {} : { name }),
    });
  } catch (e) {
    throw toCliError(e);
  }

  if (!result.ok) {
    const which =
      result.certIndex < 0 ? '' : result.certIndex === 0 ? 'leaf: ' : `certificate ${result.certIndex}: `;
    if (values.json) {
      printJson(io, {
        valid: false,
        code: result.code,
        reason: result.reason,
        certIndex: result.certIndex,
        at: rfc3339(at),
      });
    }
    io.err(`l5d-pki: invalid: ${which}${result.reason.replace(/\s*[\r\n]+\s*/g, ' ')} [${result.code}]\n`);
    return EXIT.INVALID;
  }
  const path = result.path.map((c) => formatName(c.subject));
  if (values.json) {
    printJson(io, {
      valid: true,
      at: rfc3339(at),
      path,
      identity: { dns: result.identity.dns ?? [], spiffeId: result.identity.spiffeId ?? null },
      validUntil: rfc3339(result.validUntil),
    });
    return EXIT.OK;
  }
  const ids = [
    ...(result.identity.dns ?? []).map((d) => `DNS:${d}`),
    ...(result.identity.spiffeId === undefined ? [] : [`URI:${result.identity.spiffeId}`]),
  ];
  io.out(
    [
      `valid at ${rfc3339(at)}`,
      `path         ${path.join(' -> ')}`,
      `identity     ${ids.length === 0 ? 'none' : ids.join(', ')}`,
      `valid until  ${rfc3339(result.validUntil)}`,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};
