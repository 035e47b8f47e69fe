// Lint is part of `npm test`. Which folder may import which (README, "Layout") and the determinism of
// workflows/ are enforced here, not by review; test/lint/boundaries.test.ts shows each rule firing.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const tests = ['**/*.test.ts', '**/*.test.tsx'];

// Which folder of ours may not import which: `import-x/no-restricted-paths` zones, resolved to files, so
// `../db/x.js`, `../../db/x.js` and `export … from` are caught alike. `import type` counts too.
const layers = [
  {
    target: 'workflows',
    from: ['db', 'api', 'ui', 'infra', 'worker'],
    message: 'workflows/ is deterministic: it may import only domain/, its messages and activity types.',
  },
  {
    target: 'domain',
    from: ['workflows', 'activities', 'db', 'api', 'ui', 'infra', 'worker', 'test', 'bench'],
    message: 'domain/ is pure: it imports nothing of ours outside domain/.',
  },
  {
    target: 'db',
    from: ['workflows', 'activities', 'api', 'ui', 'infra', 'worker', 'test', 'bench'],
    message: 'db/ imports only domain/: the types it stores live there.',
  },
  {
    target: ['api', 'ui'],
    from: 'activities',
    message: 'api/ and ui/ never import activities/: start or signal a workflow, or read through db/.',
  },
  { target: 'api', from: 'ui', message: 'api/ never imports ui/: infra/ composes both into one app.' },
  { target: 'activities', from: ['api', 'ui'], message: 'activities/ never import api/ or ui/.' },
];

// The database (drizzle and its drivers) is reached only through db/. Tests, test/ and bench/ are exempt:
// they inspect the store directly to check what the product wrote.
const database = {
  target: ['workflows', 'activities', 'domain', 'api', 'ui', 'worker', 'infra'],
  from: ['node_modules/drizzle-orm', 'node_modules/postgres', 'node_modules/@electric-sql/pglite'],
  message: 'Only db/ imports drizzle-orm or a database driver: add a query function to a db/ module.',
};

// A test beside the code obeys its folder's boundaries, but may use the harness (test/) and infra/ to set up.
const testLayers = layers
  .filter((zone) => zone.target !== 'workflows')
  .map((zone) => ({ ...zone, from: [zone.from].flat().filter((folder) => folder !== 'test' && folder !== 'infra') }));

const nodeBuiltins = builtinModules.filter((name) => !name.includes('/'));
/** One `no-restricted-imports` pattern for these packages and their subpaths (`hono` and `hono/jsx`). */
const packages = (names, message) => ({ regex: `^(${names.join('|')})(/.*)?$`, message });
const anyNodeModule = (message) => [{ regex: '^node:', message }, packages(nodeBuiltins, message)];

// Packages that do or start I/O: workflows/ and domain/ import none of them; domain/ no Temporal at all.
const ioPackages = [
  '@temporalio/(client|activity|worker|testing)',
  'dockerode',
  'drizzle-orm',
  'postgres',
  '@electric-sql/pglite',
  'hono',
  '@hono/[^/]+',
  'pino',
  'octokit',
  '@octokit/[^/]+',
  'ws',
];
const impurePackages = [...ioPackages, '@temporalio/[^/]+'];

const deterministic = 'workflows/ is deterministic: do I/O in an activity.';
const pure = 'domain/ is pure TypeScript (and bundled into workflows): no Temporal, Hono, database or I/O.';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'db/migrations/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      // Imports name the emitted `.js`; the sources are `.ts`.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: [...layers, database] }],
    },
  },
  {
    files: tests,
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: testLayers }],
    },
  },
  {
    // Tests in workflows/ (the replay) run a worker: they are not workflow code.
    files: ['workflows/**/*.ts'],
    ignores: tests,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...anyNodeModule(deterministic),
            packages(ioPackages, deterministic),
            {
              regex: '(^|/)activities/',
              allowTypeImports: true,
              message:
                'workflows/ may import activity types only (import type): call activities through proxyActivities.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No I/O in workflows.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    ignores: tests,
    rules: {
      'no-restricted-imports': ['error', { patterns: [...anyNodeModule(pure), packages(impurePackages, pure)] }],
    },
  },
  {
    // Its tests read fixtures from disk.
    files: ['domain/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [packages(impurePackages, pure)] }] },
  },
  {
    files: ['api/**/*.ts', 'ui/**/*.ts', 'ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [packages(['dockerode'], "api/ and ui/ never talk to Docker: a workflow's activity does.")] },
      ],
    },
  },
  {
    // The dashboard's browser scripts (ui/static/*.js): plain JavaScript served as written, no types.
    files: ['ui/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false },
      globals: { window: 'readonly', document: 'readonly', EventSource: 'readonly' },
    },
  },
  eslintConfigPrettier,
);
