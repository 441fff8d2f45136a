import { defineConfig } from 'vitest/config';
import { nodeBackendVite } from './build/node-backend.ts';

export default defineConfig({
  plugins: [nodeBackendVite],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
