// Lint is part of `npm test`. Determinism of workflows/ is enforced here, not by review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'http', 'https', 'child_process', 'net', 'dns', 'os', 'path', 'crypto', 'stream', 'worker_threads', 'process', 'timers', 'url', 'events', 'util', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'db/migrations/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflows/ is deterministic: do I/O in an activity.' })),
          ...['dockerode', 'drizzle-orm', 'postgres', 'hono', 'pino', 'octokit', '@temporalio/client', '@temporalio/activity'].map((name) => ({ name, message: 'workflows/ is deterministic: do I/O in an activity.' })),
        ],
        patterns: [
          { group: ['../db/*', '../api/*', '../infra/*', '../worker/*'], message: 'workflows/ may import only domain/, its messages and activity types.' },
          { group: ['../activities/*'], allowTypeImports: true, message: 'workflows/ may import activity types only (import type).' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No I/O in workflows.' }, { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }],
    },
  },
);
