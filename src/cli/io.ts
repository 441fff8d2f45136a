import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromYaml } from '../k8s';
import { decodeBase64 } from '../k8s/base64';
import { isPemText } from '../pem';
import { CliError, EXIT, toCliError } from './errors';

/** Where a command writes, and what it knows about the terminal. */
export interface Io {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  /** Whether standard error is a terminal (progress is shown only then). */
  readonly errIsTty: boolean;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
  };
}

/** Largest input file the CLI reads: 2 MiB (the library's own limits are lower). */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;

/** A file read for a command: its bytes and, when it is PEM, its text. */
export interface Input {
  /** The path as given (`-` for standard input). */
  readonly path: string;
  /** The raw bytes. */
  readonly bytes: Uint8Array;
  /**
   * The text, when the bytes are PEM; `undefined` for binary (DER) input. For Kubernetes YAML, the PEM
   * texts found in it (see {@link Input.yaml}), certificates first and keys last.
   */
  readonly pem: string | undefined;
  /** The PEM material of a Kubernetes YAML file (Secrets, ConfigMaps, Helm values, trust-manager Bundles). */
  readonly yaml?: YamlMaterial;
}

/** PEM texts found in Kubernetes YAML, by the role their field gives them. */
export interface YamlMaterial {
  /** Issuer (or anchor-Secret) certificates: `tls.crt`, `crt.pem`, `identity.issuer.tls.crtPEM`. */
  readonly certificates: string[];
  /** Private keys: `tls.key`, `key.pem`, `identity.issuer.tls.keyPEM`. */
  readonly keys: string[];
  /** Trust anchors: `ca.crt`, `ca-bundle.crt`, `identityTrustAnchorsPEM`, a Bundle's `inLine`. */
  readonly anchors: string[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The PEM material of YAML `text`, or `undefined` when it is not YAML or holds none. */
export function yamlMaterial(text: string): YamlMaterial | undefined {
  const first = text.replace(/^(\s*#[^\n]*\n|\s*\n)*/, '').trimStart();
  if (first.startsWith('-----BEGIN') || first.startsWith('{') || first.startsWith('[')) return undefined;
  let docs: Record<string, unknown>[];
  try {
    docs = fromYaml(text);
  } catch {
    return undefined;
  }
  const out: YamlMaterial = { certificates: [], keys: [], anchors: [] };
  const put = (list: string[], value: unknown) => {
    if (typeof value === 'string' && isPemText(value)) list.push(value);
  };
  const walk = (obj: Record<string, unknown>, depth: number): void => {
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items) && depth < 4) {
      for (const item of obj.items) {
        const r = record(item);
        if (r !== undefined) walk(r, depth + 1);
      }
      return;
    }
    if (obj.kind === 'Secret') {
      const value = (key: string): string | undefined => {
        const str = record(obj.stringData)?.[key];
        if (typeof str === 'string') return str;
        const data = record(obj.data)?.[key];
        if (typeof data !== 'string') return undefined;
        try {
          return decodeBase64(data.replace(/\s+/g, ''));
        } catch {
          return undefined;
        }
      };
      put(out.certificates, value('tls.crt') ?? value('crt.pem'));
      put(out.keys, value('tls.key') ?? value('key.pem'));
      put(out.anchors, value('ca.crt'));
    } else if (obj.kind === 'ConfigMap') {
      put(out.anchors, record(obj.data)?.['ca-bundle.crt']);
    } else if (obj.kind === 'Bundle') {
      const sources = record(obj.spec)?.sources;
      if (Array.isArray(sources)) for (const src of sources) put(out.anchors, record(src)?.inLine);
    } else if (obj.kind === undefined) {
      put(out.anchors, obj.identityTrustAnchorsPEM);
      const tls = record(record(record(obj.identity)?.issuer)?.tls);
      put(out.certificates, tls?.crtPEM);
      put(out.keys, tls?.keyPEM);
    }
  };
  for (const doc of docs) walk(doc, 0);
  const found = out.certificates.length + out.keys.length + out.anchors.length;
  return found === 0 ? undefined : out;
}

function joinPem(texts: readonly string[]): string {
  return texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
}

/**
 * Reads an input file, refusing directories, empty files and files over {@link MAX_INPUT_BYTES} with a
 * one-line error (exit 2). `-` reads standard input.
 *
 * @param what - what the file should hold, for messages (`issuer key`).
 */
export function readInput(path: string, what: string): Input {
  let bytes: Uint8Array;
  try {
    if (path === '-') {
      bytes = readFileSync(0);
    } else {
      const stat = statSync(path);
      if (stat.isDirectory()) throw new CliError(EXIT.USAGE, `${path}: is a directory, not a ${what}`);
      if (stat.size > MAX_INPUT_BYTES) {
        throw new CliError(EXIT.USAGE, `${path}: ${stat.size} bytes is too large for a ${what}`);
      }
      bytes = readFileSync(path);
    }
  } catch (e) {
    throw toCliError(e, path);
  }
  if (bytes.length === 0) throw new CliError(EXIT.USAGE, `${path}: is empty, not a ${what}`);
  if (bytes.length > MAX_INPUT_BYTES) throw new CliError(EXIT.USAGE, `${path}: too large for a ${what}`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const yaml = text.includes('\0') ? undefined : yamlMaterial(text);
  if (yaml !== undefined) {
    const pem = joinPem([...yaml.certificates, ...yaml.anchors, ...yaml.keys]);
    return { path, bytes: new Uint8Array(bytes), pem, yaml };
  }
  return { path, bytes: new Uint8Array(bytes), pem: isPemText(text) ? text : undefined };
}

/** One file a command writes. */
export interface Output {
  /** Where. */
  readonly path: string;
  /** What. */
  readonly data: string | Uint8Array;
  /** Private key material: mode 0600. Other files get 0644 (less the umask). */
  readonly secret?: boolean;
}

/** The path that means standard input when read and standard output when written. */
export const STDIO = '-';

/**
 * Writes files with exclusive create, so nothing existing is replaced unless `force` is set; then each
 * file is written to a fresh temporary name beside it and renamed over the old one. Every destination
 * is checked before anything is written, so a refusal leaves the directory as it was. The path `-` is
 * standard output (`io.out` when given), never a file named `-`.
 */
export function writeOutputs(outputs: readonly Output[], force: boolean, io?: Io): void {
  const seen = new Set<string>();
  for (const o of outputs) {
    if (seen.has(o.path)) throw new CliError(EXIT.USAGE, `${o.path}: named twice as an output`);
    seen.add(o.path);
    if (o.path === STDIO) continue;
    const stat = lstatOrUndefined(o.path);
    if (stat?.isDirectory()) throw new CliError(EXIT.USAGE, `${o.path}: is a directory`);
    if (stat !== undefined && !force) {
      throw new CliError(
        EXIT.USAGE,
        `${o.path}: already exists; pass --force to overwrite`,
        'ERR_OUTPUT_EXISTS',
      );
    }
  }
  for (const o of outputs) {
    if (o.path === STDIO) {
      // Bytes (DER) go to the process's stdout as they are; text through `io` when given.
      if (typeof o.data !== 'string') process.stdout.write(o.data);
      else if (io !== undefined) io.out(o.data);
      else process.stdout.write(o.data);
      continue;
    }
    const mode = o.secret ? 0o600 : 0o644;
    try {
      if (!force) {
        writeFileSync(o.path, o.data, { flag: 'wx', mode });
        continue;
      }
      const tmp = join(dirname(o.path), `.${basename(o.path)}.${randomBytes(6).toString('hex')}.tmp`);
      writeFileSync(tmp, o.data, { flag: 'wx', mode });
      try {
        renameSync(tmp, o.path);
      } catch (e) {
        unlinkSync(tmp);
        throw e;
      }
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') {
        throw new CliError(
          EXIT.USAGE,
          `${o.path}: already exists; pass --force to overwrite`,
          'ERR_OUTPUT_EXISTS',
        );
      }
      throw toCliError(e, o.path);
    }
  }
}

/** Creates `dir` (and its parents) unless it exists; refuses a path that is not a directory. */
export function ensureDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw toCliError(e, dir);
    try {
      mkdirSync(dir, { recursive: true });
      return;
    } catch (e2) {
      throw toCliError(e2, dir);
    }
  }
  throw new CliError(EXIT.USAGE, `${dir}: exists and is not a directory`);
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw toCliError(e, path);
  }
}

/** A progress line on standard error, drawn only when it is a terminal and at most ten times a second. */
export interface Progress {
  /** Reports `done` of the total. */
  update(done: number): void;
  /** Clears the line. */
  finish(): void;
}

/** Makes a {@link Progress} for `total` steps labelled `label`. */
export function progress(io: Io, label: string, total: number): Progress {
  if (!io.errIsTty) return { update() {}, finish() {} };
  let last = 0;
  let drawn = false;
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      drawn = true;
      io.err(`\r${label} ${done}/${total} (${Math.floor((done * 100) / total)}%)`);
    },
    finish() {
      if (drawn) io.err('\r\x1b[2K');
    },
  };
}
