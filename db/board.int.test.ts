// The board's queries and the deployment change notice, on a real Postgres database.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { initialState, type DeploymentState } from '../domain/deployment-state.js';
import { servicePlan } from '../domain/service-plan.js';
import { parseConfig } from '../infra/config-loader.js';
import { freshDatabase } from '../test/support/pg.js';
import { activeDeployments, currentVersions, environmentQueuesOf, recentReleases } from './board.js';
import { openDatabase, type Database } from './client.js';
import {
  listenDeploymentChanges,
  notifyDeploymentChanged,
  recordDeployment,
  type DeploymentChange,
} from './deployments.js';
import { recordQueue } from './environment-queues.js';

const config = parseConfig(readFileSync('slipway.demo.yml', 'utf8'), 'slipway.demo.yml');
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

let number = 0;
function deployment(service: string, version: string, change: (s: DeploymentState) => void = () => {}) {
  number += 1;
  const state = initialState(
    {
      id: `${service}-${version}`,
      number,
      version,
      requestor: 'dev',
      plan: servicePlan(config, service)!,
      startAtLast: false,
      rollbackOf: null,
    },
    new Date().toISOString(),
  );
  change(state);
  return state;
}
const deployedTo =
  (...environments: string[]) =>
  (s: DeploymentState) => {
    s.phase = 'finished';
    s.status = 'GO_LIVE_DONE';
    for (const e of s.environments) if (environments.includes(e.environment)) e.state = 'deployed';
  };

it('lists deployments under way oldest first, what reached each environment newest first, and current versions', async () => {
  await recordDeployment(database.db, deployment('checkout', '1.0.0', deployedTo('preprod', 'live')));
  await recordDeployment(database.db, deployment('checkout', '1.1.0', deployedTo('preprod')));
  await recordDeployment(database.db, deployment('search', '2.0.0', deployedTo('preprod', 'live')));
  await recordDeployment(database.db, deployment('search', '2.1.0'));
  await recordDeployment(database.db, deployment('payments', '3.0.0'));

  expect((await activeDeployments(database.db)).map((d) => d.id)).toEqual(['search-2.1.0', 'payments-3.0.0']);
  const recent = await recentReleases(database.db, ['preprod', 'live'], 2);
  expect(recent.map((r) => [r.environment, r.service, r.version, r.number])).toEqual([
    ['preprod', 'search', '2.0.0', 3],
    ['preprod', 'checkout', '1.1.0', 2],
    ['live', 'search', '2.0.0', 3],
    ['live', 'checkout', '1.0.0', 1],
  ]);
  const versions = await currentVersions(database.db, ['preprod', 'live'], ['checkout', 'search', 'payments']);
  expect(versions.map((v) => [v.environment, v.service, v.version]).sort()).toEqual(
    [
      ['live', 'checkout', '1.0.0'],
      ['live', 'search', '2.0.0'],
      ['preprod', 'checkout', '1.1.0'],
      ['preprod', 'search', '2.0.0'],
    ].sort(),
  );
  expect(await currentVersions(database.db, [], ['checkout'])).toEqual([]);
});

it('reads the lock queues of the environments asked for', async () => {
  await recordQueue(database.db, {
    environment: 'live',
    concurrency: 'exclusive',
    paused: true,
    holders: [{ workflowId: 'w1', requestId: 'r1', service: 'checkout', group: '1', since: 'x' }],
    waiters: [],
  });
  expect(await environmentQueuesOf(database.db, ['live', 'preprod'])).toEqual([
    expect.objectContaining({
      environment: 'live',
      paused: true,
      holders: [expect.objectContaining({ service: 'checkout' })],
    }),
  ]);
  expect(await environmentQueuesOf(database.db, [])).toEqual([]);
});

it('carries a deployment change to a listener, and ignores notices that are not one', async () => {
  const seen: DeploymentChange[] = [];
  const stop = await listenDeploymentChanges(database.pubsub, (c) => seen.push(c));
  try {
    await database.pubsub.notify('deployment_changed', 'not json');
    await database.pubsub.notify('deployment_changed', JSON.stringify({ id: 1 }));
    await notifyDeploymentChanged(database.pubsub, { id: 'checkout-1.0.0', service: 'checkout', seq: 4 });
    await expect.poll(() => seen).toEqual([{ id: 'checkout-1.0.0', service: 'checkout', seq: 4 }]);
  } finally {
    await stop();
  }
});
