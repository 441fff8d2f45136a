// Every shell command the docs show runs. Each ```sh block of README.md, docs/*.md and docs/guides/*.md
// runs line by line, in order, through /bin/sh in a fresh directory of its own (all removed afterwards),
// with `l5d-pki` on PATH as the CLI bundled from src. Each line must exit 0.
//
// There is no Kubernetes cluster and no `linkerd` CLI here: a line that pipes into `kubectl apply -f -`
// runs its left side and the YAML it prints must parse; `kubectl` and `linkerd` lines are checked for
// shape only (a known subcommand, `apply` rather than a `create` that fails on an existing object).

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { bundleCli } from './helpers/cli-run';

const ROOT = resolve(import.meta.dirname, '..');

/** The documents whose commands run. docs/api is generated and not included. */
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'docs', 'guides'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/guides/${f}`),
];

/** The ```sh blocks of a document as lists of commands: continuation lines joined, comments dropped. */
function shellBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
    .map((m) =>
      m[1]!
        .replace(/\s*\\\n\s*/g, ' ')
        .split('\n')
        .map((raw) => raw.replace(/\s+#\s.*$/, '').trim())
        .filter((line) => line !== '' && !line.startsWith('#')),
    )
    .filter((block) => block.length > 0);
}

/** Lines that cannot run here, and what each must look like. */
const SHAPE_ONLY: readonly { re: RegExp; why: string }[] = [
  { re: /^kubectl( -n [a-z0-9-]+)? (apply -f -|rollout restart [a-z/.-]+)$/, why: 'no cluster' },
  { re: /^linkerd (install|check|upgrade)( --[a-z-]+ \S+)*$/, why: 'no linkerd CLI' },
  { re: /^npm (install|test|run) /, why: 'the project’s scripts (benchmarks, conformance), not the CLI' },
];

let dir = '';
let bin = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'l5d-docs-'));
  // The bundle sits inside the repository, so its dependencies resolve from node_modules as after an install.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  bin = mkdtempSync(join(ROOT, '.tmp', 'docs-commands-'));
  await bundleCli(join(bin, 'cli.mjs'));
  writeFileSync(
    join(bin, 'l5d-pki'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(bin, 'cli.mjs')}" "$@"\n`,
  );
  chmodSync(join(bin, 'l5d-pki'), 0o755);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  if (bin !== '') rmSync(bin, { recursive: true, force: true });
});

function sh(line: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', line], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs one documented line in `cwd`; kubectl and linkerd parts are checked for shape. */
function runLine(line: string, cwd: string): void {
  const [left, ...piped] = line.split(' | ');
  for (const part of piped) expect(part, line).toMatch(SHAPE_ONLY[0]!.re);
  const command = left!.replaceAll('npx l5d-pki ', 'l5d-pki ');
  if (!/\bl5d-pki |^openssl /.test(command)) {
    expect(
      SHAPE_ONLY.some((s) => s.re.test(`${command} `) || s.re.test(command)),
      `a line that neither runs l5d-pki nor has a known shape: ${line}`,
    ).toBe(true);
    return;
  }
  const r = sh(command, cwd);
  expect(r.status, `${line}\n${r.stderr}`).toBe(0);
  if (piped.length > 0) {
    const docs = parseAllDocuments(r.stdout);
    expect(docs.length, line).toBeGreaterThan(0);
    for (const d of docs) expect(d.errors, line).toEqual([]);
  }
}

describe('shell commands in the docs', () => {
  it('finds commands, joins continuation lines and drops comments', () => {
    const md =
      '```sh\nl5d-pki init --out pki   # a comment\n# only a comment\nl5d-pki check \\\n  --anchors a\n```\n';
    expect(shellBlocks(`${md}text\n${md}`)).toEqual([
      ['l5d-pki init --out pki', 'l5d-pki check --anchors a'],
      ['l5d-pki init --out pki', 'l5d-pki check --anchors a'],
    ]);
  });

  it('refuses kubectl create for the ConfigMap Linkerd owns (it exists after install)', () => {
    expect('kubectl -n linkerd create configmap linkerd-identity-trust-roots').not.toMatch(SHAPE_ONLY[0]!.re);
    expect('kubectl apply -f -').toMatch(SHAPE_ONLY[0]!.re);
  });

  const blocks = DOCS.flatMap((doc) =>
    shellBlocks(readFileSync(join(ROOT, doc), 'utf8')).map((lines, i) => ({
      name: `${doc} #${i + 1}`,
      doc,
      lines,
    })),
  );
  const withCommands = [...new Set(blocks.map((b) => b.doc))];

  it('the CLI reference and the README have commands', () => {
    expect(withCommands).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md']));
  });

  it.each(blocks)('$name', ({ lines }) => {
    const cwd = mkdtempSync(join(dir, 'block-'));
    // Fresh material the commands may read besides what they make: a bundle as ca-bundle.crt and a
    // peer's chain as peer.crt.
    const material = sh(
      'l5d-pki init --out .m && cd .m && l5d-pki csr --identity web.shop.serviceaccount.identity.linkerd.cluster.local && ' +
        'l5d-pki issue --issuer-cert issuer.crt --issuer-key issuer.key --csr csr.der ' +
        '--identity web.shop.serviceaccount.identity.linkerd.cluster.local --chain-out chain.crt',
      cwd,
    );
    expect(material.status, material.stderr).toBe(0);
    copyFileSync(join(cwd, '.m', 'ca.crt'), join(cwd, 'ca-bundle.crt'));
    copyFileSync(join(cwd, '.m', 'chain.crt'), join(cwd, 'peer.crt'));
    for (const line of lines) runLine(line, cwd);
  });
});
