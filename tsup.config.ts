import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { defineConfig } from 'tsup';
import { nodeBackendEsbuild } from './build/node-backend';

/**
 * Prints esbuild's warnings on stderr. The builds run `silent` (a successful build prints nothing, so
 * `npm run demo` and `npm install` from git show no build log); errors still print and fail the build,
 * and this keeps warnings visible too.
 */
const reportWarnings = {
  name: 'l5d-report-warnings',
  setup(build: {
    onEnd(
      cb: (result: { warnings: { text: string; location: { file: string; line: number } | null }[] }) => void,
    ): void;
  }) {
    build.onEnd((result) => {
      for (const w of result.warnings) {
        const at = w.location ? `${w.location.file}:${w.location.line}: ` : '';
        console.warn(`build warning: ${at}${w.text}`);
      }
    });
  },
};

// No source maps: the package ships readable, unminified JavaScript and no TypeScript sources.
const shared = {
  target: 'es2022',
  sourcemap: false,
  treeshake: true,
  splitting: false,
  minify: false,
  silent: true,
} as const;

/** The `.ts` file a relative import from `from` names, if any. */
function sourceFile(from: string, specifier: string): string | undefined {
  const target = resolve(dirname(from), specifier);
  return [target, `${target}.ts`, `${target}/index.ts`].find((f) => f.endsWith('.ts') && existsSync(f));
}

/**
 * The source modules `entry` imports at run time, directly or not (type-only imports are not followed).
 * They become the WebCrypto ESM build's entries, one output file each.
 */
function runtimeModules(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [resolve(entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const count = (re: RegExp) => {
      const n = new Map<string, number>();
      for (const m of text.matchAll(re)) if (m[1]) n.set(m[1], (n.get(m[1]) ?? 0) + 1);
      return n;
    };
    const typeOnly = count(/\b(?:import|export)\s+type\s[^;]*?from\s*'(\.[^']*)'/g);
    for (const [specifier, n] of count(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.[^']*)'/gm)) {
      const target = n > (typeOnly.get(specifier) ?? 0) ? sourceFile(file, specifier) : undefined;
      if (target) pending.push(target);
    }
  }
  return [...seen].map((f) => relative(process.cwd(), f));
}

/** esbuild option objects of builds that stay one file (the CommonJS one). */
const oneFile = new WeakSet<object>();

/**
 * Keeps src's module graph in the WebCrypto ESM build: every relative import stays an import of the
 * matching built file, so an app's bundler (with the package's `"sideEffects": false`) leaves out the
 * modules it does not use, e.g. the YAML and Kubernetes code in an app that only verifies certificates.
 */
const preserveModules = {
  name: 'l5d-preserve-modules',
  setup(build: {
    initialOptions: object;
    onResolve(
      opts: { filter: RegExp },
      cb: (args: {
        path: string;
        importer: string;
        kind: string;
      }) => { path: string; external: true } | undefined,
    ): void;
  }) {
    if (oneFile.has(build.initialOptions)) return;
    build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = sourceFile(args.importer, args.path);
      if (target === undefined) return undefined;
      const rel = relative(dirname(args.importer), target).replace(/\.ts$/, '.js');
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
  },
};

export default defineConfig([
  // Browser, Deno, Bun and bundlers: WebCrypto, no `node:` import anywhere. ESM keeps one file per
  // source module; CommonJS (`require` outside Node's condition) is one file.
  {
    ...shared,
    entry: runtimeModules('src/index.ts'),
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'src/index.ts' } },
    platform: 'neutral',
    esbuildPlugins: [preserveModules, reportWarnings],
    esbuildOptions(options, { format }) {
      if (format !== 'cjs') return;
      options.entryPoints = { index: 'src/index.ts' };
      oneFile.add(options);
    },
    clean: true,
  },
  // Node's `node` export condition: the same API on node:crypto; and `l5d-pki/node` (node-tls), the
  // node:tls helpers, sharing its modules (chunks) so that both use one copy of the library.
  {
    ...shared,
    entry: { node: 'src/index.ts', 'node-tls': 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { 'node-tls': 'src/node/index.ts' } },
    splitting: true,
    platform: 'node',
    esbuildPlugins: [nodeBackendEsbuild, reportWarnings],
  },
  // The `l5d-pki` command (Node only), bundled from source on node:crypto.
  {
    ...shared,
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [nodeBackendEsbuild, reportWarnings],
  },
]);
