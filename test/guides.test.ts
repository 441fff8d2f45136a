// Every guide in docs/guides, and the README, runs: its ```ts blocks, in order, form one module importing
// the library source.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const guidesDir = new URL('../docs/guides/', import.meta.url);
const outDir = new URL('../.tmp/guides/', import.meta.url);
const library = new URL('../src/index.ts', import.meta.url).pathname;
const nodeLibrary = new URL('../src/node/index.ts', import.meta.url).pathname;

/** The TypeScript blocks of a guide, except those fenced as ```ts no-run. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts *(no-run)?\n([\s\S]*?)^```$/gm)]
    .filter((m) => !m[1])
    .map((m) => m[2]!);
}

const guides = [
  ...readdirSync(guidesDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => new URL(f, guidesDir)),
  new URL('../README.md', import.meta.url),
];

describe('guides run', () => {
  // The guides write where a user would (`os.tmpdir()`); here that is a directory removed afterwards.
  const savedTmpdir = process.env.TMPDIR;
  let sandbox = '';
  beforeAll(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'l5d-guides-'));
    process.env.TMPDIR = sandbox;
  });
  afterAll(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    if (sandbox !== '') rmSync(sandbox, { recursive: true, force: true });
  });

  it('has guides', () => expect(guides.length).toBeGreaterThan(0));

  it.each(guides.map((url) => [url.pathname.split('/').slice(-2).join('/'), url] as const))(
    '%s',
    async (label, url) => {
      const blocks = tsBlocks(readFileSync(url, 'utf8'));
      expect(blocks.length).toBeGreaterThan(0);
      const source = blocks
        .join('\n')
        .replaceAll(/from 'l5d-pki'/g, `from '${library}'`)
        .replaceAll(/from 'l5d-pki\/node'/g, `from '${nodeLibrary}'`);
      mkdirSync(outDir, { recursive: true });
      const module = new URL(label.replace('/', '-').replace(/\.md$/, '.ts'), outDir);
      writeFileSync(module, `${source}\nexport {};\n`);
      await import(module.pathname);
    },
  );
});
