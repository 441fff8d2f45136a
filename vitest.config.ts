import { defineConfig } from 'vitest/config';
import { nodeBackendVite } from './build/node-backend.ts';

export default defineConfig({
  plugins: [nodeBackendVite],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A temporary directory for the run; fails the run if a test leaves an `l5d-*` entry in it.
    globalSetup: ['test/global-tempdir.ts'],
  },
});
