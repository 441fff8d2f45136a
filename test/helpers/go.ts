// Go's toolchain as a peer: whether it is here, and the environment a test runs it in.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Whether `go` runs on this machine. */
export const hasGo = spawnSync('go', ['version']).status === 0;

/** Whether the Go parts of a test run: in CI they must (the workflow installs Go); elsewhere, when Go is here. */
export const runGo = hasGo || process.env.CI !== undefined;

/** An environment for `go run` and `go build` that keeps every cache inside `dir` and never fetches a toolchain. */
export function goEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOCACHE: join(dir, 'cache'),
    GOPATH: join(dir, 'path'),
    GOTOOLCHAIN: 'local',
    GOFLAGS: '',
  };
}

/** A path-validation question for Go's crypto/x509 (`test/peers/go/verify`). */
export interface GoVerifyQuestion {
  readonly id: string;
  readonly roots: readonly Uint8Array[];
  readonly intermediates: readonly Uint8Array[];
  readonly leaf: Uint8Array;
  /** The DNS name to verify for. */
  readonly name: string;
  readonly usage: 'server' | 'client';
  /** The validation time, whole seconds. */
  readonly at: Date;
}

/** Go's answer: `ok`, or the class of its error (`kind`: `Expired`, `UnknownAuthority`, …) and text. */
export interface GoVerifyAnswer {
  readonly id: string;
  readonly ok: boolean;
  readonly kind?: string;
  readonly err?: string;
}

/** Asks Go's crypto/x509 every question, in one `go run` with its caches in `dir`; answers in order. */
export function verifyWithGo(questions: readonly GoVerifyQuestion[], dir: string): GoVerifyAnswer[] {
  const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
  const input = questions.map((q) => ({
    id: q.id,
    roots: q.roots.map(b64),
    intermediates: q.intermediates.map(b64),
    leaf: b64(q.leaf),
    name: q.name,
    usage: q.usage,
    at: q.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }));
  const program = resolve(import.meta.dirname, '..', 'peers', 'go', 'verify', 'main.go');
  const r = spawnSync('go', ['run', program], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    cwd: dir,
    env: goEnv(dir),
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(r.stderr);
  const answers = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as GoVerifyAnswer);
  if (answers.map((a) => a.id).join() !== questions.map((q) => q.id).join())
    throw new Error('Go answered other questions than it was asked');
  return answers;
}
