import { dirname, resolve } from 'node:path';

/**
 * The Node build (and the tests) swap `src/crypto/default.ts` for `src/crypto/default.node.ts`, so the
 * `node` export condition gets `node:crypto` while browser, Deno and Bun builds never see it.
 */
const DEFAULT = /[\\/]src[\\/]crypto[\\/]default$/;

/** The Node replacement when `path` imported from `importer` names the default backend module. */
function nodeDefault(path: string, importer: string | undefined): string | undefined {
  if (importer === undefined || !path.startsWith('.')) return undefined;
  const target = resolve(dirname(importer), path);
  return DEFAULT.test(target) ? `${target}.node.ts` : undefined;
}

/** An esbuild plugin for tsup's Node entries. */
export const nodeBackendEsbuild = {
  name: 'l5d-node-backend',
  setup(build: {
    onResolve(
      opts: { filter: RegExp },
      cb: (args: { path: string; importer: string }) => { path: string } | undefined,
    ): void;
  }) {
    build.onResolve({ filter: /default$/ }, (args) => {
      const path = nodeDefault(args.path, args.importer);
      return path ? { path } : undefined;
    });
  },
};

/** The same swap as a Vite plugin, for vitest. */
export const nodeBackendVite = {
  name: 'l5d-node-backend',
  enforce: 'pre' as const,
  resolveId(source: string, importer: string | undefined) {
    return nodeDefault(source, importer) ?? null;
  },
};
