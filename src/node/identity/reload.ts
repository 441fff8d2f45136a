import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sameBytes } from '../../der';
import { PkiError } from '../../errors';
import { loadIssuer } from '../../issuer/issuer';
import {
  optionalFunction,
  optionalNumber,
  requireObject,
  requireOptions,
  requireString,
} from '../../validate';
import type { IdentityLogEntry, IdentityServer } from './server';

/**
 * Options of {@link watchIssuerFiles}.
 *
 * @example
 * ```ts
 * const options: WatchIssuerFilesOptions = { certificateFile: '/var/run/linkerd/identity/issuer/tls.crt', keyFile: '/var/run/linkerd/identity/issuer/tls.key' };
 * ```
 */
export interface WatchIssuerFilesOptions {
  /** The issuer certificate, PEM (more certificates after it form its chain): `tls.crt` or `crt.pem`. */
  readonly certificateFile: string;
  /** The issuer key, PEM: `tls.key` or `key.pem`. */
  readonly keyFile: string;
  /** How often the files are read again, in milliseconds (changes in their directory are seen at once too). Default 2 s. */
  readonly intervalMs?: number;
  /** Receives `IssuerUpdated` and `IssuerUpdateSkipped`, as Linkerd names these events. */
  readonly log?: (entry: IdentityLogEntry) => void;
  /**
   * Whether changes in the files' directories are watched (default `true`); `false` leaves the polling
   * and explicit {@link IssuerFilesWatcher.check} calls, for callers that decide when to look.
   */
  readonly watchDirectory?: boolean;
}

/**
 * What one look at the issuer files found.
 *
 * @example
 * ```ts
 * if ((await watcher.check()) === 'skipped') alert();
 * ```
 */
export type IssuerFilesCheck = 'unchanged' | 'updated' | 'skipped';

/**
 * A running watch of the issuer files.
 *
 * @example
 * ```ts
 * const watcher = watchIssuerFiles(server, { certificateFile, keyFile });
 * await watcher.check(); // 'unchanged'
 * watcher.stop();
 * ```
 */
export interface IssuerFilesWatcher {
  /**
   * Reads the files now (after a read already under way, if any, so that the answer is for the files as
   * they are when it is called); a change is loaded as the new issuer, or skipped (and logged) when it is
   * bad.
   */
  check(): Promise<IssuerFilesCheck>;
  /** Stops watching. */
  stop(): void;
}

/**
 * The file names of each issuer Secret scheme Linkerd reads.
 *
 * @example
 * ```ts
 * ISSUER_SCHEMES['kubernetes.io/tls']; // { certificate: 'tls.crt', key: 'tls.key' }
 * ```
 */
export const ISSUER_SCHEMES = {
  'linkerd.io/tls': { certificate: 'crt.pem', key: 'key.pem' },
  'kubernetes.io/tls': { certificate: 'tls.crt', key: 'tls.key' },
} as const;

/**
 * Reloads the identity service's issuer when its files change, as Linkerd's controller does with the
 * mounted issuer Secret (Kubernetes swaps a `..data` symlink; a change in the directory is seen at once,
 * and the files are read again every `intervalMs`). A new issuer must verify against the anchors and be a
 * CA; otherwise (and when the files cannot be read or do not match) the old one stays and an
 * `IssuerUpdateSkipped` entry is logged. Nothing of the key reaches the log.
 *
 * @example
 * ```ts
 * import { startIdentityServer, watchIssuerFiles } from 'l5d-pki/node';
 *
 * const server = await startIdentityServer({ issuer, bundle, authenticator });
 * const watcher = watchIssuerFiles(server, { certificateFile: 'issuer/tls.crt', keyFile: 'issuer/tls.key' });
 * ```
 */
export function watchIssuerFiles(
  server: IdentityServer,
  options: WatchIssuerFilesOptions,
): IssuerFilesWatcher {
  requireObject(server, 'the server');
  if (typeof (server as { setIssuer?: unknown }).setIssuer !== 'function')
    throw new PkiError('ERR_INVALID_ARGUMENT', 'watchIssuerFiles takes a server from startIdentityServer');
  requireOptions(options, 'watchIssuerFiles');
  requireString(options.certificateFile, '`certificateFile`');
  requireString(options.keyFile, '`keyFile`');
  optionalNumber(options.intervalMs, '`intervalMs`');
  optionalFunction(options.log, '`log`');
  const log = options.log ?? (() => {});
  const intervalMs = options.intervalMs ?? 2000;
  let last: Uint8Array | undefined;
  let running: Promise<IssuerFilesCheck> | undefined;
  let queued: Promise<IssuerFilesCheck> | undefined;

  const read = async (): Promise<IssuerFilesCheck> => {
    let cert: Buffer;
    let key: Buffer;
    try {
      [cert, key] = await Promise.all([readFile(options.certificateFile), readFile(options.keyFile)]);
    } catch (e) {
      const reason = (e as { code?: unknown }).code ?? 'unreadable';
      log({
        level: 'warn',
        msg: `Skipping issuer update as certs could not be read from disk: ${reason}`,
        event: 'IssuerUpdateSkipped',
      });
      return 'skipped';
    }
    const both = new Uint8Array(cert.length + key.length + 1);
    both.set(cert, 0);
    both[cert.length] = 0;
    both.set(key, cert.length + 1);
    if (last !== undefined && sameBytes(last, both)) return 'unchanged';
    last = both;
    try {
      const next = loadIssuer({ certificate: cert.toString('utf8'), key: key.toString('utf8') });
      if (sameBytes(next.certificate.der, server.issuer.certificate.der)) return 'unchanged';
      await server.setIssuer(next);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log({ level: 'warn', msg: `Skipping issuer update: ${reason}`, event: 'IssuerUpdateSkipped' });
      return 'skipped';
    }
    log({
      level: 'info',
      msg: 'Updated identity issuer',
      event: 'IssuerUpdated',
      validUntil: server.issuer.certificate.notAfter.toISOString(),
    });
    return 'updated';
  };

  const check = (): Promise<IssuerFilesCheck> => {
    if (running === undefined) {
      running = read().finally(() => {
        running = undefined;
      });
      return running;
    }
    // The read under way may have read the files before the caller changed them: one more read after
    // it, shared by every caller until it starts, answers for the files as they are now.
    const after = (): Promise<IssuerFilesCheck> => {
      queued = undefined;
      return check();
    };
    queued ??= running.then(after, after);
    return queued;
  };

  // The files as they are now are the issuer in use: remember them, so that only a change reloads.
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  const watchers: FSWatcher[] = [];
  const dirs =
    options.watchDirectory === false ? [] : [dirname(options.certificateFile), dirname(options.keyFile)];
  for (const dir of new Set(dirs)) {
    try {
      const w = watch(dir, { persistent: false }, () => void check());
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // Polling alone then.
    }
  }
  return {
    check,
    stop() {
      clearInterval(timer);
      for (const w of watchers) w.close();
    },
  };
}
