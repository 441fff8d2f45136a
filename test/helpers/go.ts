// Go's toolchain as a peer: whether it is here, and the environment a test runs it in.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
