// The boundaries between folders are lint errors (eslint.config.js). Each case lints one import as if it
// were written in a file of that folder, and checks that the boundary rules fire on a forbidden import and
// stay quiet on an allowed one.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { createNodeResolver } from 'eslint-plugin-import-x';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const boundaryRules = ['import-x/no-restricted-paths', 'no-restricted-imports'];

// The rules see an import only once it resolves to a file. Paths of ours resolve on paper (`../ui/x.js` →
// `ui/x.ts`, whether or not the file exists yet), so the cases do not depend on today's file names;
// packages resolve for real. One case below checks the real resolver of eslint.config.js.
const packageResolver = createNodeResolver();
const paperResolver = {
  interfaceVersion: 3 as const,
  name: 'paper',
  resolve(modulePath: string, sourceFile: string) {
    if (!modulePath.startsWith('.')) return packageResolver.resolve(modulePath, sourceFile);
    return { found: true, path: resolve(dirname(sourceFile), modulePath.replace(/\.js$/, '.ts')) };
  },
};

// The probe files do not exist, so TypeScript's project service cannot type them: lint them untyped (the
// boundary rules need no types), without the one rule that does.
const untyped = {
  languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off' },
} as const;

let onPaper: ESLint;
let real: ESLint;
beforeAll(() => {
  onPaper = new ESLint({
    cwd: root,
    overrideConfig: { ...untyped, settings: { 'import-x/resolver-next': [paperResolver] } },
  });
  real = new ESLint({ cwd: root, overrideConfig: untyped });
});

/** The boundary rules that fire on `code` written in `file` (relative to the repository). */
async function boundaryErrors(file: string, code: string, eslint = onPaper): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  const messages = result!.messages;
  expect(messages.filter((m) => m.fatal).map((m) => m.message)).toEqual([]);
  return messages.filter((m) => m.ruleId && boundaryRules.includes(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

const valueImport = (from: string) => `import { thing } from '${from}';\nexport const used = thing;\n`;
const typeImport = (from: string) => `import type { Thing } from '${from}';\nexport type Used = Thing;\n`;

type Case = [file: string, from: string];

const forbidden: Record<string, Case[]> = {
  'workflows/ ↛ db, api, ui, infra, worker': [
    ['workflows/probe.ts', '../db/client.js'],
    ['workflows/probe.ts', '../api/app.js'],
    ['workflows/probe.ts', '../ui/page.js'],
    ['workflows/probe.ts', '../infra/logger.js'],
    ['workflows/probe.ts', '../worker/worker.js'],
    ['workflows/nested/probe.ts', '../../db/client.js'],
  ],
  'workflows/ ↛ activity values, I/O packages, any node module': [
    ['workflows/probe.ts', '../activities/jenkins.js'],
    ['workflows/probe.ts', 'node:fs'],
    ['workflows/probe.ts', 'node:fs/promises'],
    ['workflows/probe.ts', 'node:timers/promises'],
    ['workflows/probe.ts', 'fs/promises'],
    ['workflows/probe.ts', 'crypto'],
    ['workflows/probe.ts', '@temporalio/client'],
    ['workflows/probe.ts', '@temporalio/worker'],
    ['workflows/probe.ts', 'drizzle-orm'],
    ['workflows/probe.ts', 'dockerode'],
    ['workflows/probe.ts', 'hono'],
  ],
  'domain/ ↛ anything of ours outside domain/': [
    ['domain/probe.ts', '../workflows/deployment.messages.js'],
    ['domain/probe.ts', '../activities/jenkins.js'],
    ['domain/probe.ts', '../db/schema.js'],
    ['domain/probe.ts', '../api/app.js'],
    ['domain/probe.ts', '../ui/page.js'],
    ['domain/probe.ts', '../infra/logger.js'],
    ['domain/probe.ts', '../worker/worker.js'],
    ['domain/probe.ts', '../test/support/pg.js'],
    ['domain/probe.test.ts', '../db/schema.js'],
  ],
  'domain/ ↛ Temporal, Hono, the database, Docker, node modules': [
    ['domain/probe.ts', '@temporalio/workflow'],
    ['domain/probe.ts', '@temporalio/common'],
    ['domain/probe.ts', 'hono'],
    ['domain/probe.ts', '@hono/zod-openapi'],
    ['domain/probe.ts', 'drizzle-orm'],
    ['domain/probe.ts', 'postgres'],
    ['domain/probe.ts', 'dockerode'],
    ['domain/probe.ts', 'node:fs'],
    ['domain/probe.ts', 'node:crypto'],
    ['domain/probe.test.ts', '@temporalio/client'],
  ],
  'db/ ↛ workflows, activities, api, ui (it imports only domain/)': [
    ['db/probe.ts', '../workflows/build.messages.js'],
    ['db/probe.ts', '../activities/store.js'],
    ['db/probe.ts', '../api/app.js'],
    ['db/probe.ts', '../ui/page.js'],
    ['db/probe.ts', '../infra/logger.js'],
    ['db/probe.test.ts', '../activities/store.js'],
  ],
  'api/ and ui/ ↛ activities; api/ ↛ ui, Docker': [
    ['api/probe.ts', '../activities/build-logs.js'],
    ['api/routes/probe.ts', '../../activities/store.js'],
    ['api/probe.test.ts', '../activities/build-logs.js'],
    ['api/probe.ts', '../ui/page.js'],
    ['api/probe.ts', 'dockerode'],
    ['ui/probe.tsx', '../activities/jenkins.js'],
  ],
  'activities/ ↛ api, ui': [
    ['activities/probe.ts', '../api/app.js'],
    ['activities/probe.ts', '../ui/page.js'],
  ],
  'no drizzle-orm or database driver outside db/': [
    ['api/probe.ts', 'drizzle-orm'],
    ['activities/probe.ts', 'drizzle-orm'],
    ['worker/probe.ts', 'postgres'],
    ['infra/probe.ts', '@electric-sql/pglite'],
  ],
};

const allowed: Record<string, Case[]> = {
  'workflows/: domain, messages, Temporal workflow API': [
    ['workflows/probe.ts', '../domain/ids.js'],
    ['workflows/probe.ts', './deployment.messages.js'],
    ['workflows/probe.ts', '@temporalio/workflow'],
    ['workflows/replay.probe.test.ts', '../worker/worker.js'],
  ],
  'domain/: itself and zod; its tests read fixtures': [
    ['domain/probe.ts', './ids.js'],
    ['domain/probe.ts', 'zod'],
    ['domain/probe.test.ts', 'node:fs'],
    ['domain/probe.test.ts', '../infra/config-loader.js'],
  ],
  'db/: domain and drizzle': [
    ['db/probe.ts', '../domain/ids.js'],
    ['db/probe.ts', 'drizzle-orm'],
    ['db/probe.ts', 'postgres'],
  ],
  'api/: db, messages, domain, infra, hono; its tests may inspect the store': [
    ['api/probe.ts', '../db/client.js'],
    ['api/probe.ts', '../workflows/deployment.messages.js'],
    ['api/probe.ts', '../domain/ids.js'],
    ['api/probe.ts', '../infra/logger.js'],
    ['api/probe.ts', 'hono'],
    ['api/probe.test.ts', 'drizzle-orm'],
  ],
  'activities/: db, domain, messages': [
    ['activities/probe.ts', '../db/client.js'],
    ['activities/probe.ts', '../domain/ids.js'],
    ['activities/probe.ts', '../workflows/build.messages.js'],
  ],
  'the composition roots and the harness': [
    ['worker/probe.ts', '../activities/jenkins.js'],
    ['infra/probe.ts', '../api/app.js'],
    ['test/e2e/probe.test.ts', 'drizzle-orm'],
    ['bench/probe.ts', 'drizzle-orm'],
  ],
};

describe('boundaries: a forbidden import is an error', () => {
  for (const [boundary, cases] of Object.entries(forbidden)) {
    it.each(cases)(`${boundary}: %s importing %s`, async (file, from) => {
      expect(await boundaryErrors(file, valueImport(from))).not.toEqual([]);
    });
  }

  it('counts `import type` too, except for activities in workflows/', async () => {
    expect(await boundaryErrors('db/probe.ts', typeImport('../workflows/build.messages.js'))).not.toEqual([]);
    expect(await boundaryErrors('api/probe.ts', typeImport('../activities/build-logs.js'))).not.toEqual([]);
    expect(await boundaryErrors('workflows/probe.ts', typeImport('../activities/jenkins.js'))).toEqual([]);
  });

  it('counts re-exports and dynamic imports', async () => {
    expect(await boundaryErrors('domain/probe.ts', `export { thing } from '../db/client.js';\n`)).not.toEqual([]);
    expect(
      await boundaryErrors('api/probe.ts', `export const load = () => import('../activities/store.js');\n`),
    ).not.toEqual([]);
  });

  it('resolves the `.js` of an import to its `.ts` source with the configured resolver', async () => {
    expect(await boundaryErrors('domain/probe.ts', valueImport('../db/schema.js'), real)).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*domain\/ is pure/),
    ]);
  });
});

describe('boundaries: an allowed import passes', () => {
  for (const [boundary, cases] of Object.entries(allowed)) {
    it.each(cases)(`${boundary}: %s importing %s`, async (file, from) => {
      expect(await boundaryErrors(file, valueImport(from))).toEqual([]);
    });
  }
});
