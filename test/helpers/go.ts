// Go's toolchain as a peer: whether it is here, and the environment a test runs it in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyChain } from '../../src/verify';

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

/** Runs `test/peers/go/<program>` with `input` as JSON on stdin, its caches in a directory of its own; one object a line back. */
function runGoProgram<T extends { readonly id: string }>(
  program: string,
  input: readonly { readonly id: string }[],
): T[] {
  const dir = mkdtempSync(join(tmpdir(), 'l5d-pki-go-'));
  try {
    const r = spawnSync(
      'go',
      ['run', resolve(import.meta.dirname, '..', 'peers', 'go', program, 'main.go')],
      {
        input: JSON.stringify(input),
        encoding: 'utf8',
        cwd: dir,
        env: goEnv(dir),
        maxBuffer: 64 << 20,
      },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(r.stderr);
    const answers = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as T);
    if (answers.map((a) => a.id).join() !== input.map((q) => q.id).join())
      throw new Error(`Go's ${program} answered other questions than it was asked`);
    return answers;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

/** Asks Go's crypto/x509 every question, in one `go run`; answers in order. */
export function verifyWithGo(questions: readonly GoVerifyQuestion[]): GoVerifyAnswer[] {
  const input = questions.map((q) => ({
    id: q.id,
    roots: q.roots.map(base64),
    intermediates: q.intermediates.map(base64),
    leaf: base64(q.leaf),
    name: q.name,
    usage: q.usage,
    at: q.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }));
  return runGoProgram<GoVerifyAnswer>('verify', input);
}

/** Go's verdict on a CSR: `ok`, or the error's text. */
export interface GoCsrAnswer {
  readonly id: string;
  readonly ok: boolean;
  readonly err?: string;
}

/**
 * Judges every CSR as Linkerd's identity service does, with Go's crypto/x509 (`test/peers/go/csr`:
 * parse, signature, one DNS SAN equal to `identity`, CN empty or equal, no other SANs, an ECDSA key).
 */
export function judgeCsrsWithGo(
  csrs: readonly { readonly id: string; readonly csr: Uint8Array; readonly identity: string }[],
): GoCsrAnswer[] {
  return runGoProgram<GoCsrAnswer>(
    'csr',
    csrs.map((c) => ({ id: c.id, csr: base64(c.csr), identity: c.identity })),
  );
}

/** A chain both Go and l5d-pki are asked about, and a label for it in messages. */
export interface SharedQuestion {
  readonly label: string;
  readonly anchor: Uint8Array;
  readonly intermediates: readonly Uint8Array[];
  readonly leaf: Uint8Array;
  /** A DNS name or an IP address. */
  readonly name: string;
  readonly at: Date;
}

/**
 * Asks Go's crypto/x509 and `verifyChain` (default profile, usage `server`) about every chain; returns
 * where their verdicts differ, and how many chains l5d-pki refused.
 */
export async function compareVerdicts(
  questions: readonly SharedQuestion[],
): Promise<{ disagreements: string[]; refused: number }> {
  const go = verifyWithGo(
    questions.map((q, i) => ({
      id: `q-${i}`,
      roots: [q.anchor],
      intermediates: q.intermediates,
      leaf: q.leaf,
      name: q.name,
      usage: 'server' as const,
      at: q.at,
    })),
  );
  const disagreements: string[] = [];
  let refused = 0;
  for (const [i, q] of questions.entries()) {
    const r = await verifyChain({
      leaf: q.leaf,
      intermediates: q.intermediates,
      bundle: [q.anchor],
      at: q.at,
      usage: 'server',
      name: q.name,
    });
    if (!r.ok) refused++;
    const theirs = go[i]!;
    if (r.ok !== theirs.ok)
      disagreements.push(
        `${q.label}: l5d-pki ${r.ok ? 'accepts' : r.reason}, Go ${theirs.ok ? 'accepts' : theirs.err}`,
      );
  }
  return { disagreements, refused };
}
