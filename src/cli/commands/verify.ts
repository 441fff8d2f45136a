import { certificateFingerprint } from '../../anchor';
import { quoteInput } from '../../errors';
import { isValidSpiffeId } from '../../spiffe';
import { createSpiffeBundleSet, type SpiffeBundleSetEntry } from '../../spiffe-bundle';
import type { Usage, VerifyFailure } from '../../verify';
import { verifyChain, verifySvid } from '../../verify';
import { formatName } from '../../x509';
import { HELP, parseFor, required, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { EXIT, type ExitStatus, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';
import { type Io, readInput } from '../io';

const OPTIONS = {
  ...HELP,
  bundle: { type: 'string' },
  chain: { type: 'string' },
  identity: { type: 'string' },
  spiffe: { type: 'string' },
  at: { type: 'string' },
  usage: { type: 'string', default: 'any' },
  'spiffe-bundle': { type: 'string', multiple: true },
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
  if (values['spiffe-bundle'] !== undefined) return verifyAgainstSpiffeBundles(values, io);
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

  if (!result.ok) return reportInvalid(io, result, at, values.json);
  const path = result.path.map((c) => formatName(c.subject));
  const anchor = result.path[result.path.length - 1]!;
  const anchorFingerprint = certificateFingerprint(anchor);
  if (values.json) {
    printJson(io, {
      valid: true,
      at: rfc3339(at),
      path,
      anchor: { subject: formatName(anchor.subject), sha256Fingerprint: anchorFingerprint },
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
      `anchor       ${formatName(anchor.subject)}  sha256 ${anchorFingerprint}`,
      `identity     ${ids.length === 0 ? 'none' : ids.join(', ')}`,
      `valid until  ${rfc3339(result.validUntil)}`,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};

/**
 * `verify --spiffe-bundle TD=FILE ...`: the chain is an X509-SVID, verified against the bundle of its own
 * trust domain only (each FILE a SPIFFE bundle document or PEM anchors).
 */
async function verifyAgainstSpiffeBundles(
  values: ReturnType<typeof parseFor<{ args: string[]; options: typeof OPTIONS }>>['values'],
  io: Parameters<Command>[1],
): Promise<ExitStatus> {
  if (values.bundle !== undefined)
    throw usageError('--bundle and --spiffe-bundle exclude each other', 'verify');
  if (values.identity !== undefined)
    throw usageError('--identity does not apply to an X509-SVID; use --spiffe', 'verify');
  if (values.usage !== 'any') throw usageError('--usage does not apply with --spiffe-bundle', 'verify');
  const chainPath = required(values.chain, '--chain', 'verify');
  const expectedId = values.spiffe;
  if (expectedId !== undefined && !isValidSpiffeId(expectedId)) {
    throw usageError(
      `--spiffe ${quoteInput(expectedId)} is not a SPIFFE ID (spiffe://<trust-domain>/<path>)`,
      'verify',
    );
  }
  const at = timeOrNow(values.at, '--at');
  const entries = new Map<string, SpiffeBundleSetEntry>();
  for (const flag of values['spiffe-bundle'] ?? []) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) {
      throw usageError(`--spiffe-bundle ${quoteInput(flag)} is not TRUST_DOMAIN=FILE`, 'verify');
    }
    const trustDomain = flag.slice(0, eq);
    if (entries.has(trustDomain))
      throw usageError(`--spiffe-bundle names ${quoteInput(trustDomain)} twice`, 'verify');
    const input = readInput(flag.slice(eq + 1), 'SPIFFE bundle');
    entries.set(trustDomain, input.pem ?? new TextDecoder().decode(input.bytes));
  }
  const [leaf, ...intermediates] = readCertificates(chainPath, 'certificate chain');
  let result: Awaited<ReturnType<typeof verifySvid>>;
  try {
    const bundles = createSpiffeBundleSet(entries);
    result = await verifySvid({
      leaf: leaf!,
      intermediates,
      bundles,
      at,
      ...(expectedId === undefined ? {} : { expectedId }),
    });
  } catch (e) {
    throw toCliError(e);
  }
  if (!result.ok) return reportInvalid(io, result, at, values.json);
  const path = result.path.map((c) => formatName(c.subject));
  if (values.json) {
    printJson(io, {
      valid: true,
      at: rfc3339(at),
      path,
      spiffeId: result.spiffeId,
      trustDomain: result.trustDomain,
      validUntil: rfc3339(result.validUntil),
    });
    return EXIT.OK;
  }
  io.out(
    [
      `valid at ${rfc3339(at)}`,
      `path          ${path.join(' -> ')}`,
      `SPIFFE ID     ${result.spiffeId}`,
      `trust domain  ${result.trustDomain}`,
      `valid until   ${rfc3339(result.validUntil)}`,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
}

/** Prints why a chain was refused (one line on stderr, and the JSON when asked) and gives exit 1. */
function reportInvalid(io: Io, result: VerifyFailure, at: Date, json: boolean): ExitStatus {
  const which =
    result.certIndex < 0 ? '' : result.certIndex === 0 ? 'leaf: ' : `certificate ${result.certIndex}: `;
  if (json) {
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
