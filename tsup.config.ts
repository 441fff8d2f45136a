import { defineConfig } from 'tsup';
import { nodeBackendEsbuild } from './build/node-backend';

const shared = {
  target: 'es2022',
  sourcemap: true,
  treeshake: true,
  splitting: false,
  minify: false,
} as const;

export default defineConfig([
  // Browser, Deno, Bun and bundlers: WebCrypto, no `node:` import anywhere.
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    platform: 'neutral',
    clean: true,
  },
  // Node's `node` export condition: the same API on node:crypto.
  {
    ...shared,
    entry: { node: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'node',
    esbuildPlugins: [nodeBackendEsbuild],
  },
]);
