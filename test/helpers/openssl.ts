import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The OpenSSL binary the interop tests run. */
export const OPENSSL = '/usr/bin/openssl';

/** Whether the OpenSSL binary is there; suites use `describe.skipIf(!hasOpenssl)`. */
export const hasOpenssl = existsSync(OPENSSL);

/** What one OpenSSL run returned. */
export interface OpensslResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes, for DER output. */
  readonly bytes: Uint8Array;
}

/**
 * A scratch directory plus an `openssl` runner whose working directory it is. Call `cleanup()` in
 * `afterAll`/`finally`.
 */
export class OpensslDir {
  readonly dir: string;

  constructor(prefix = 'l5d-pki-openssl-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  /** The absolute path of `name` inside the directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes `data` to `name` and returns its path. */
  write(name: string, data: string | Uint8Array): string {
    const p = this.path(name);
    writeFileSync(p, data);
    return p;
  }

  /** Reads `name` as text. */
  readText(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  /** Reads `name` as bytes. */
  readBytes(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  /** Runs `openssl ...args` in the directory, whatever its exit status. */
  tryRun(args: readonly string[], input?: string | Uint8Array): OpensslResult {
    const r = spawnSync(OPENSSL, args, {
      cwd: this.dir,
      input,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, OPENSSL_CONF: '/dev/null' },
    });
    if (r.error) throw r.error;
    const out = r.stdout ?? Buffer.alloc(0);
    return {
      status: r.status ?? -1,
      stdout: out.toString('utf8'),
      stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8'),
      bytes: new Uint8Array(out),
    };
  }

  /** Runs `openssl ...args` and throws with its stderr unless it exits 0. */
  run(args: readonly string[], input?: string | Uint8Array): OpensslResult {
    const r = this.tryRun(args, input);
    if (r.status !== 0) {
      throw new Error(`openssl ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
    }
    return r;
  }

  /** Removes the directory. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
