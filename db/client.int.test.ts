// Both drivers behind openDatabase: PGlite (the embedded default) and a Postgres server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, expect, inject, it } from 'vitest';
import { initialState } from '../domain/deployment-state.js';
import { servicePlan } from '../domain/service-plan.js';
import { parseConfig } from '../infra/config-loader.js';
import { readFileSync } from 'node:fs';
import { freshDatabase } from '../test/support/pg.js';
import { openDatabase, type Database } from './client.js';
import { listAudit } from './audit.js';
import { recordDeployment } from './deployments.js';
import { matrixAt } from './environment-events.js';
import { deployments, deploymentTransitions } from './schema.js';
import { createToken, ensureAdminToken, findToken, revokeToken } from './tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(database: Database) {
  const config = parseConfig(readFileSync('slipway.demo.yml', 'utf8'), 'slipway.demo.yml');
  const state = initialState(
    {
      id: 'dep-x',
      number: 0,
      version: '1.0.0',
      requestor: 'me',
      plan: servicePlan(config, 'checkout')!,
      startAtLast: false,
      rollbackOf: null,
    },
    new Date().toISOString(),
  );
  expect(await recordDeployment(database.db, state)).toBe(false); // inserted, not changed
  const newer = { ...state, status: 'DEPLOYING' as const, seq: 5 };
  expect(await recordDeployment(database.db, newer)).toBe(true);
  expect(await recordDeployment(database.db, state)).toBe(false); // an older snapshot arriving late changes nothing
  const [row] = await database.db.select().from(deployments).where(eq(deployments.id, 'dep-x'));
  expect(row).toMatchObject({ status: 'DEPLOYING', seq: 5 });
  expect(await database.db.select().from(deploymentTransitions)).toHaveLength(1);

  // The record's raw SQL answers on both drivers: the matrix of a deployed, approved snapshot.
  const at = new Date().toISOString();
  const deployed = {
    ...state,
    environments: state.environments.map((e, i) =>
      i === 0 ? { ...e, state: 'deployed' as const, queuedAt: at, startedAt: at, finishedAt: at } : e,
    ),
    approvals: [{ by: 'lead', at }],
    seq: 6,
  };
  await recordDeployment(database.db, deployed);
  const cell = (await matrixAt(database.db)).find((c) => c.environment === deployed.environments[0]!.environment);
  expect(cell).toMatchObject({ service: 'checkout', version: '1.0.0', deploymentId: 'dep-x' });
  expect((await listAudit(database.db, { action: 'deployment.approve', limit: 5 })).map((a) => a.actor)).toEqual([
    'lead',
  ]);

  const { token, info } = await createToken(database.db, 'ci', ['deploy:request'], 'test');
  expect((await findToken(database.db, token))?.id).toBe(info.id);
  expect(JSON.stringify(await database.db.select().from(deployments))).not.toContain(token);
  await revokeToken(database.db, info.id, 'test');
  expect(await findToken(database.db, token)).toBeNull();
  const admin = await ensureAdminToken(database.db, undefined);
  expect(admin.created).toBe(true);
  expect(await ensureAdminToken(database.db, undefined)).toMatchObject({ token: null, created: false });
}

it('PGlite: migrates, stores snapshots newest-wins, keeps tokens hashed', async () => {
  const database = await openDatabase({ dataDir: dir });
  expect(database.kind).toBe('pglite');
  try {
    await roundTrip(database);
  } finally {
    await database.close();
  }
  const reopened = await openDatabase({ dataDir: dir });
  expect((await reopened.db.select().from(deployments)).map((r) => r.id)).toEqual(['dep-x']);
  await reopened.close();
});

it('Postgres server: the same', async () => {
  const pg = await freshDatabase(inject('databaseUrl'));
  const database = await openDatabase({ url: pg.url });
  expect(database.kind).toBe('postgres');
  try {
    await roundTrip(database);
  } finally {
    await database.close();
    await pg.drop();
  }
});
