import { defineConfig } from 'vitest/config';

// Integration tests share one Temporal dev server and one Postgres server (see test/global-setup.ts);
// files run one at a time because this machine has two cores and the worker-kill test spawns processes.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
