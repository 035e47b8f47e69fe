// The store activity tells live pages about each change of a deployment row, and only about changes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.js';
import { insertRequestedDeployment, listenDeploymentChanges, type DeploymentChange } from '../db/deployments.js';
import { initialState } from '../domain/deployment-state.js';
import { servicePlan } from '../domain/service-plan.js';
import { parseConfig } from '../infra/config-loader.js';
import { freshDatabase } from '../test/support/pg.js';
import { createStoreActivities } from './store.js';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  const pg = await freshDatabase(inject('databaseUrl'));
  drop = pg.drop;
  database = await openDatabase({ url: pg.url, max: 2 });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

it('notifies deployment_changed after a newer snapshot is stored, not for a stale one', async () => {
  const config = parseConfig(readFileSync('slipway.demo.yml', 'utf8'), 'slipway.demo.yml');
  const first = initialState(
    {
      id: 'dep-1',
      number: 0,
      version: '1.0.0',
      requestor: 'dev',
      plan: servicePlan(config, 'checkout')!,
      startAtLast: false,
      rollbackOf: null,
    },
    new Date().toISOString(),
  );
  await insertRequestedDeployment(database.db, { ...first, seq: 0 }, { service: 'checkout', requestKey: 'k' });
  const seen: DeploymentChange[] = [];
  const stop = await listenDeploymentChanges(database.pubsub, (c) => seen.push(c));
  try {
    const store = createStoreActivities({ db: database.db, pubsub: database.pubsub });
    await store.recordDeployment(first);
    await store.recordDeployment({ ...first, status: 'DEPLOYING', phase: 'deploying', seq: 2 });
    await store.recordDeployment(first); // older: changes nothing, tells nothing
    await expect.poll(() => seen.length).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([
      { id: 'dep-1', service: 'checkout', seq: 1 },
      { id: 'dep-1', service: 'checkout', seq: 2 },
    ]);
  } finally {
    await stop();
  }
});
