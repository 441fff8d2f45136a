import { certificateFingerprint } from '../../anchor';
import { parseCsr } from '../../csr';
import { isPkiError } from '../../errors';
import { decryptPrivateKey, importPrivateKey, importPublicKey } from '../../keys';
import { decodePem } from '../../pem';
import { formatDuration } from '../../schedule';
import { parseSpiffeBundle } from '../../spiffe-bundle';
import { parseCertificate } from '../../x509';
import type { Certificate } from '../../x509/types';
import { HELP, maxPositionals, parseFor } from '../args';
import { type Command, printJson, showHelp } from '../command';
import {
  type CertificateSummary,
  type CsrSummary,
  foreignPrivateKey,
  foreignPublicKey,
  type KeySummary,
  relative,
  sha256Hex,
  summarizeCertificate,
  summarizeCsr,
  summarizeForeignKey,
} from '../describe';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { type Input, type Io, readInput } from '../io';
import { PASSWORD_FILE, readPassword } from '../keyfiles';

const OPTIONS = {
  ...HELP,
  ...PASSWORD_FILE,
  json: { type: 'boolean', default: false },
  'trust-domain': { type: 'string' },
} as const;

/** A certificate's summary with its SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it. */
type CertificateItem = CertificateSummary & { sha256Fingerprint: string };

function certificateItem(cert: Certificate, now: Date): CertificateItem {
  return { ...summarizeCertificate(cert, now), sha256Fingerprint: certificateFingerprint(cert) };
}

/** A PEM block l5d-pki does not know, listed by its label. */
interface OtherSummary {
  kind: 'other';
  label: string;
}

type Item = CertificateItem | CsrSummary | KeySummary | OtherSummary;

/** What `inspect --json` prints: one item, a bundle of certificates, or several mixed PEM blocks. */
type Report =
  | Item
  | { kind: 'bundle'; certificates: CertificateItem[] }
  | { kind: 'multiple'; items: Item[] };

function privateKeySummary(data: string | Uint8Array, format: string): KeySummary | undefined {
  try {
    const key = importPrivateKey(data);
    return {
      kind: 'private-key',
      format,
      keyAlgorithm: 'ECDSA P-256',
      publicKeySha256: sha256Hex(key.publicKey.spki),
    };
  } catch (e) {
    if (!isPkiError(e)) throw e;
    const foreign = foreignPrivateKey(data);
    if (foreign !== undefined) return summarizeForeignKey(foreign, format);
    if (isPkiError(e, 'ERR_KEY_UNSUPPORTED') || isPkiError(e, 'ERR_KEY_MISMATCH')) throw e;
    return undefined;
  }
}

function publicKeySummary(data: string | Uint8Array): KeySummary | undefined {
  try {
    const key = importPublicKey(data);
    return {
      kind: 'public-key',
      format: 'SPKI',
      keyAlgorithm: 'ECDSA P-256',
      publicKeySha256: sha256Hex(key.spki),
    };
  } catch (e) {
    if (!isPkiError(e)) throw e;
    const foreign = foreignPublicKey(data);
    return foreign === undefined ? undefined : summarizeForeignKey(foreign, 'SPKI');
  }
}

async function pemItem(label: string, der: Uint8Array, now: Date, password?: string): Promise<Item> {
  switch (label) {
    case 'CERTIFICATE':
      return certificateItem(parseCertificate(der), now);
    case 'CERTIFICATE REQUEST':
    case 'NEW CERTIFICATE REQUEST':
      return summarizeCsr(parseCsr(der));
    case 'PRIVATE KEY':
    case 'EC PRIVATE KEY':
    case 'RSA PRIVATE KEY': {
      const format = label === 'PRIVATE KEY' ? 'PKCS#8' : label === 'EC PRIVATE KEY' ? 'SEC1' : 'PKCS#1';
      const pem = `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64')}\n-----END ${label}-----\n`;
      const summary = privateKeySummary(label === 'RSA PRIVATE KEY' ? pem : der, format);
      if (summary === undefined) throw new CliError(EXIT.USAGE, `the ${label} block is not a readable key`);
      return summary;
    }
    case 'ENCRYPTED PRIVATE KEY':
      if (password !== undefined) {
        const key = await decryptPrivateKey(der, { password });
        return {
          kind: 'private-key',
          format: 'PKCS#8 (encrypted)',
          keyAlgorithm: 'ECDSA P-256',
          publicKeySha256: sha256Hex(key.publicKey.spki),
        };
      }
      return {
        kind: 'private-key',
        format: 'PKCS#8 (encrypted)',
        keyAlgorithm: 'unknown (encrypted)',
        publicKeySha256: null,
      };
    case 'PUBLIC KEY': {
      const summary = publicKeySummary(der);
      if (summary === undefined) throw new CliError(EXIT.USAGE, 'the PUBLIC KEY block is not a readable key');
      return summary;
    }
    default:
      return { kind: 'other', label };
  }
}

/** PKCS#8 starts SEQUENCE { INTEGER 0, SEQUENCE …; SEC1 starts SEQUENCE { INTEGER 1, OCTET STRING …. */
function looksLikePkcs8(der: Uint8Array): boolean {
  const len = der[1] ?? 0;
  const i = len & 0x80 ? 2 + (len & 0x7f) : 2;
  return der[i] === 0x02 && der[i + 1] === 0x01 && der[i + 3] === 0x30;
}

/** A DER file: a certificate, a CSR, a private key (PKCS#8 or SEC1) or a public key, tried in that order. */
async function derItem(der: Uint8Array, now: Date): Promise<Item> {
  const tries: (() => Item | Promise<Item> | undefined)[] = [
    () => certificateItem(parseCertificate(der), now),
    () => summarizeCsr(parseCsr(der)),
    () => privateKeySummary(der, looksLikePkcs8(der) ? 'PKCS#8' : 'SEC1'),
    () => publicKeySummary(der),
  ];
  for (const t of tries) {
    try {
      const item = await t();
      if (item !== undefined) return item;
    } catch (e) {
      if (!isPkiError(e)) throw e;
      if (isPkiError(e, 'ERR_KEY_UNSUPPORTED') || isPkiError(e, 'ERR_KEY_MISMATCH')) throw e;
    }
  }
  throw new CliError(EXIT.USAGE, 'not a certificate, CSR or key (neither PEM nor DER)', 'ERR_DER');
}

function certificateLines(c: CertificateSummary, now: Date, indent: string): string[] {
  const ca = c.ca ? `yes${c.pathLen === null ? '' : `, pathLen ${c.pathLen}`}` : 'no';
  const when =
    c.status === 'expired'
      ? `expired ${relative(new Date(c.notAfter), now)}`
      : c.status === 'valid'
        ? `valid, expires ${relative(new Date(c.notAfter), now)}`
        : `not yet valid, starts ${relative(new Date(c.notBefore), now)}`;
  const rows: [string, string][] = [
    ['subject', c.subject],
    ['issuer', `${c.issuer}${c.selfSigned ? ' (self-signed)' : ''}`],
    ['serial', c.serial],
    ['not before', c.notBefore],
    ['not after', `${c.notAfter} (${when})`],
    ['SANs', c.subjectAltNames.length === 0 ? 'none' : c.subjectAltNames.join(', ')],
    ['CA', ca],
    ['key usage', c.keyUsage === null ? 'none' : c.keyUsage.join(', ')],
    ['ext key usage', c.extKeyUsage === null ? 'none' : c.extKeyUsage.join(', ')],
    ['key', `${c.keyAlgorithm}, sha256 ${c.publicKeySha256}`],
    ['signature', c.signatureAlgorithm],
    ['sha256', c.sha256],
    ...('sha256Fingerprint' in c
      ? [['fingerprint', `SHA256 ${c.sha256Fingerprint}`] as [string, string]]
      : []),
  ];
  return rows.map(([k, v]) => `${indent}${k.padEnd(15)}${v}`);
}

function itemLines(item: Item, now: Date, indent = ''): string[] {
  switch (item.kind) {
    case 'certificate':
      return [`${indent}certificate`, ...certificateLines(item, now, `${indent}  `)];
    case 'csr': {
      const rows: [string, string][] = [
        ['subject', item.subject],
        ['SANs', item.subjectAltNames.length === 0 ? 'none' : item.subjectAltNames.join(', ')],
        ['key', `${item.keyAlgorithm}, sha256 ${item.publicKeySha256}`],
        ['signature', `${item.signatureAlgorithm}, ${item.signatureValid ? 'valid' : 'INVALID'}`],
        [
          'linkerd',
          item.linkerdProblem === null
            ? 'the identity service accepts it'
            : `refused: ${item.linkerdProblem}`,
        ],
      ];
      return [`${indent}certificate request`, ...rows.map(([k, v]) => `${indent}  ${k.padEnd(15)}${v}`)];
    }
    case 'private-key':
    case 'public-key': {
      const fp = item.publicKeySha256 === null ? 'unknown (encrypted)' : `sha256 ${item.publicKeySha256}`;
      return [
        `${indent}${item.kind === 'private-key' ? 'private key' : 'public key'}`,
        `${indent}  ${'format'.padEnd(15)}${item.format}`,
        `${indent}  ${'algorithm'.padEnd(15)}${item.keyAlgorithm}`,
        `${indent}  ${'public key'.padEnd(15)}${fp}`,
      ];
    }
    default:
      return [`${indent}PEM block "${item.label}" (not read)`];
  }
}

/** `l5d-pki inspect FILE`: a certificate, bundle, CSR or key, summarized (never the private key). */
export const inspect: Command = async (args, io) => {
  const { values, positionals } = parseFor('inspect', { args, options: OPTIONS, allowPositionals: true });
  if (values.help) return showHelp(io, 'inspect');
  const path = positionals[0];
  if (path === undefined) throw usageError('missing FILE', 'inspect');
  maxPositionals(positionals, 1, 'inspect');
  const input = readInput(path, 'certificate, CSR or key');
  const now = new Date();
  if (isJsonObject(input)) return inspectSpiffeBundle(input, values['trust-domain'], values.json, now, io);
  if (values['trust-domain'] !== undefined) {
    throw usageError('--trust-domain applies to a SPIFFE bundle document only', 'inspect');
  }
  let items: Item[];
  try {
    if (input.pem === undefined) items = [await derItem(input.bytes, now)];
    else {
      const blocks = decodePem(input.pem);
      if (blocks.length === 0) throw new CliError(EXIT.USAGE, 'no PEM block', 'ERR_PEM_INVALID');
      items = [];
      const password =
        values['password-file'] === undefined ? undefined : readPassword(values['password-file']);
      for (const b of blocks) items.push(await pemItem(b.label, b.der, now, password));
    }
  } catch (e) {
    throw e instanceof CliError
      ? new CliError(e.status, `${path}: ${e.message}`, e.code)
      : toCliError(e, path);
  }
  if (items.every((i) => i.kind === 'other')) {
    throw new CliError(EXIT.USAGE, `${path}: no certificate, CSR or key in it`, 'ERR_PEM_LABEL');
  }
  const certs = items.filter((i): i is CertificateItem => i.kind === 'certificate');
  const report: Report =
    items.length === 1
      ? items[0]!
      : certs.length === items.length
        ? { kind: 'bundle', certificates: certs }
        : { kind: 'multiple', items };
  if (values.json) {
    printJson(io, report);
    return EXIT.OK;
  }
  const lines =
    items.length === 1
      ? itemLines(items[0]!, now)
      : [
          report.kind === 'bundle' ? `${items.length} certificates` : `${items.length} PEM blocks`,
          ...items.flatMap((item, i) => {
            const [head, ...rest] = itemLines(item, now, '  ');
            return [`  [${i + 1}] ${head!.trim()}`, ...rest.map((l) => `  ${l}`)];
          }),
        ];
  io.out(`${lines.join('\n')}\n`);
  return EXIT.OK;
};

/** Whether a file is JSON text starting with `{`: a SPIFFE bundle document. */
function isJsonObject(input: Input): boolean {
  if (input.pem !== undefined) return false;
  for (const b of input.bytes) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b;
  }
  return false;
}

/** The trust domain a document is read for when none is given: never shown. */
const UNNAMED_DOMAIN = 'unnamed.invalid';

/** `inspect` of a SPIFFE bundle document: its authorities, JWT key ids, sequence and refresh hint. */
function inspectSpiffeBundle(
  input: Input,
  trustDomain: string | undefined,
  json: boolean | undefined,
  now: Date,
  io: Io,
): typeof EXIT.OK {
  let report: {
    kind: 'spiffe-bundle';
    trustDomain: string | null;
    x509Authorities: CertificateItem[];
    jwtAuthorities: { kid: string; kty: string; crv: string | null }[];
    sequence: number | null;
    refreshHint: string | null;
  };
  try {
    const bundle = parseSpiffeBundle({ trustDomain: trustDomain ?? UNNAMED_DOMAIN, document: input.bytes });
    report = {
      kind: 'spiffe-bundle',
      trustDomain: trustDomain ?? null,
      x509Authorities: bundle.x509Authorities.map((c) => certificateItem(c, now)),
      jwtAuthorities: bundle.jwtAuthorities.map((k) => ({ kid: k.kid, kty: k.kty, crv: k.crv ?? null })),
      sequence: bundle.sequence ?? null,
      refreshHint: bundle.refreshHint === undefined ? null : formatDuration(bundle.refreshHint),
    };
  } catch (e) {
    throw toCliError(e, input.path);
  }
  if (json) {
    printJson(io, report);
    return EXIT.OK;
  }
  const lines = [
    'SPIFFE bundle',
    `  ${'trust domain'.padEnd(15)}${report.trustDomain ?? '(not given: --trust-domain)'}`,
    `  ${'sequence'.padEnd(15)}${report.sequence ?? 'none'}`,
    `  ${'refresh hint'.padEnd(15)}${report.refreshHint ?? 'none'}`,
    `  X.509 authorities: ${report.x509Authorities.length}`,
    ...report.x509Authorities.flatMap((c, i) => [
      `    [${i + 1}] ${c.subject}`,
      `        ${'sha256'.padEnd(11)}${c.sha256}`,
      `        ${'fingerprint'.padEnd(11)}SHA256 ${c.sha256Fingerprint}`,
      `        ${'not after'.padEnd(11)}${c.notAfter} (${c.status})`,
    ]),
    `  JWT authorities: ${report.jwtAuthorities.length}`,
    ...report.jwtAuthorities.map((k) => `    ${k.kid} (${k.kty}${k.crv === null ? '' : ` ${k.crv}`})`),
  ];
  io.out(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
