import { quoteInput } from '../../errors';
import { type Issuer, loadIssuer } from '../../issuer';
import { checkLinkerdCsr, type IssuedLeaf, issueLeaf } from '../../leaf';
import { encodePem } from '../../pem';
import { formatDuration } from '../../schedule';
import { isValidTrustDomain, parseLinkerdIdentity } from '../../spiffe';
import { countFlag, durationFlag, HELP, identityFlag, parseFor, required, rfc3339 } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { sanText } from '../describe';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readCertificates, readCsr } from '../inputs';
import { type Io, type Output, progress, STDIO, writeOutputs } from '../io';
import { certificateBytes, FORMAT, PASSWORD_FILE, readKey } from '../keyfiles';
import { formatForPath } from './csr';
import { trustDomainFlag } from './init';

const OPTIONS = {
  ...HELP,
  ...FORMAT,
  ...PASSWORD_FILE,
  'issuer-cert': { type: 'string' },
  'issuer-key': { type: 'string' },
  csr: { type: 'string' },
  identity: { type: 'string' },
  lifetime: { type: 'string', default: '24h' },
  'no-spiffe': { type: 'boolean', default: false },
  'trust-domain': { type: 'string' },
  'spiffe-trust-domain': { type: 'string' },
  out: { type: 'string', default: 'leaf.crt' },
  'chain-out': { type: 'string' },
  count: { type: 'string', default: '1' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/** Most leaves one `issue --count` makes. */
const MAX_COUNT = 1_000_000;

/** The `spiffe` option of the leaf: off, or the SPIFFE trust domain (given, or from the identity). */
function spiffeOption(
  identity: string,
  values: {
    'no-spiffe': boolean;
    'trust-domain'?: string | undefined;
    'spiffe-trust-domain'?: string | undefined;
  },
): boolean | { readonly trustDomain: string } {
  const domain = values['trust-domain'];
  if (domain !== undefined) {
    trustDomainFlag(domain, 'issue');
    if (!identity.endsWith(`.${domain}`)) {
      throw usageError(`--identity ${identity} is not in the trust domain ${domain}`, 'issue');
    }
  }
  if (values['no-spiffe']) {
    if (values['spiffe-trust-domain'] !== undefined) {
      throw usageError('--spiffe-trust-domain and --no-spiffe exclude each other', 'issue');
    }
    return false;
  }
  let parts: ReturnType<typeof parseLinkerdIdentity>;
  try {
    parts = parseLinkerdIdentity(identity, domain === undefined ? {} : { trustDomain: domain });
  } catch (e) {
    const err = toCliError(e, '--identity');
    throw new CliError(EXIT.USAGE, `${err.message}; pass --no-spiffe for other names`, err.code);
  }
  const given = values['spiffe-trust-domain'];
  if (given !== undefined && !isValidTrustDomain(given)) {
    throw usageError(`--spiffe-trust-domain ${quoteInput(given)} is not a SPIFFE trust domain`, 'issue');
  }
  return { trustDomain: given ?? `identity.${parts.controlPlaneNamespace}.${parts.trustDomain}` };
}

/**
 * `l5d-pki issue`: the identity service's job. Checks the CSR as Linkerd does and signs a leaf with the
 * issuer; writes the leaf PEM, and with `--chain-out` the leaf followed by the issuer chain.
 */
export const issue: Command = async (args, io) => {
  const { values } = parseFor('issue', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'issue');
  const certPath = required(values['issuer-cert'], '--issuer-cert', 'issue');
  const keyPath = required(values['issuer-key'], '--issuer-key', 'issue');
  const csrPath = required(values.csr, '--csr', 'issue');
  const identity = identityFlag(required(values.identity, '--identity', 'issue'), 'issue');
  const lifetime = durationFlag(values.lifetime, '--lifetime');
  const count = countFlag(values.count, '--count', MAX_COUNT);
  const spiffe = spiffeOption(identity, values);
  const format = formatForPath(values.format, values.out, 'pem');
  const chainOut = values['chain-out'];
  if (chainOut !== undefined && format === 'der') {
    throw usageError('--chain-out writes a chain, which DER cannot hold; use --format pem', 'issue');
  }

  const certs = readCertificates(certPath, 'issuer certificate');
  const key = await readKey(keyPath, 'issuer key', values['password-file']);
  const csr = readCsr(csrPath);
  let issuer: Issuer;
  try {
    issuer = loadIssuer({
      certificate: certs.map((c) => encodePem('CERTIFICATE', c.der)).join(''),
      key,
    });
  } catch (e) {
    throw toCliError(e, certPath);
  }

  let leaf: IssuedLeaf | undefined;
  const bar = progress(io, 'issuing', count);
  const started = performance.now();
  try {
    await checkLinkerdCsr({ csr, identity });
    for (let i = 1; i <= count; i++) {
      leaf = await issueLeaf({ issuer, csr, identity, lifetime, spiffe });
      bar.update(i);
    }
  } catch (e) {
    throw toCliError(e);
  } finally {
    bar.finish();
  }
  const elapsed = performance.now() - started;
  if (leaf === undefined) throw new CliError(EXIT.USAGE, 'no leaf was issued');

  const outputs: Output[] = [
    { path: values.out, data: format === 'pem' ? leaf.pem : certificateBytes([leaf.der], format) },
  ];
  if (chainOut !== undefined) outputs.push({ path: chainOut, data: leaf.chainPem });
  writeOutputs(outputs, values.force, io);
  // With an output on stdout, stdout holds only that output; the summary goes to stderr.
  const sink: Io = values.out === STDIO || chainOut === STDIO ? { ...io, out: io.err } : io;

  const cert = leaf.certificate;
  const sans = (cert.subjectAltNames ?? []).map(sanText);
  const rate =
    count > 1
      ? `${count} leaves in ${formatDuration(Math.round(elapsed))} (${Math.round((count * 1000) / elapsed)}/s)`
      : undefined;
  if (values.json) {
    printJson(sink, {
      leafFile: values.out,
      format,
      chainFile: chainOut ?? null,
      subject: `CN=${cert.subject.commonName}`,
      serial: cert.serialHex,
      subjectAltNames: sans,
      notBefore: rfc3339(cert.notBefore),
      notAfter: rfc3339(cert.notAfter),
      issuer: `CN=${issuer.certificate.subject.commonName}`,
      count,
      ...(count > 1 ? { elapsedMs: Math.round(elapsed) } : {}),
    });
    return EXIT.OK;
  }
  if (cert.notAfter.getTime() < leaf.certificate.notBefore.getTime() + lifetime) {
    io.err(
      `l5d-pki: warning: leaf cut short to the issuer's expiry, ${rfc3339(issuer.certificate.notAfter)}\n`,
    );
  }
  const where = (path: string) => (path === STDIO ? 'stdout' : path);
  sink.out(
    [
      `wrote ${where(values.out)} (${format.toUpperCase()})${chainOut === undefined ? '' : ` and ${where(chainOut)} (PEM chain)`}`,
      `leaf    CN=${cert.subject.commonName}  valid until ${rfc3339(cert.notAfter)}`,
      `SANs    ${sans.join(', ')}`,
      `issuer  CN=${issuer.certificate.subject.commonName}`,
      ...(rate === undefined ? [] : [rate]),
      '',
    ].join('\n'),
  );
  return EXIT.OK;
};
