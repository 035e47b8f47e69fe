// Delivery figures over seeded deployment records, on both drivers behind openDatabase (a Postgres
// server and PGlite). The records are written by recordDeployment, as the workflow's store activity
// writes them; every expected figure is worked out by hand in the comments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFinishedDeployment, type EnvironmentRecord } from '../test/support/deployment-records.js';
import { freshDatabase } from '../test/support/pg.js';
import { openDatabase, type Database } from './client.js';
import { deliveryFigures } from './delivery-figures.js';

const NOW = new Date('2025-03-10T12:00:00Z'); // a Monday
const at = (dayTime: string) => `2025-${dayTime}:00Z`; // '03-05T10:30' → ISO

type Env = EnvironmentRecord;

async function seed(
  db: Database['db'],
  id: string,
  service: string,
  requested: string,
  environments: Env[],
  rollbackOf?: string,
) {
  await recordFinishedDeployment(db, {
    id,
    service,
    requestedAt: at(requested),
    environments,
    ...(rollbackOf ? { rollbackOf } : {}),
  });
}

const passed = (when: string) => ({ passed: true, at: at(when), by: 'ci' });
const pre = (state: Env['state'], when?: string, tests?: Env['tests']): Env => ({
  environment: 'preprod',
  state,
  ...(when ? { finishedAt: at(when) } : {}),
  ...(tests ? { tests } : {}),
});
const live = (state: Env['state'], when?: string): Env => ({
  environment: 'live',
  state,
  ...(when ? { finishedAt: at(when) } : {}),
});

/**
 * checkout (preprod → live):
 *  H 03-01 09:00 → preprod 09:10, live 10:00 (before the 7-day window)
 *  A 03-05 10:00 → preprod 10:30, live 12:00          lead 1800 / 7200
 *  B 03-06 09:00 → preprod 09:20, live 10:00          lead 1200 / 3600; rolled back by C
 *  C 03-06 11:00 rollback of B → live 11:10           restores B in live after 4200 s
 *  D 03-07 08:00 → preprod failed 08:15               restored by F's preprod: 179700 s
 *  E 03-08 09:00 → preprod 09:30, tests failed        lead 1800; restored by F: 88800 s
 *  F 03-09 10:00 → preprod 10:10, live errored 11:00  lead 600; live never restored
 *  G 03-09 12:00 → preprod 12:30, live cancelled      lead 1800; cancelled live does not count
 * search (preprod): I 03-10 07:00 → preprod 08:00, test wait expired (no verdict): lead 3600, a good change
 * billing (live only): J 03-04 live failed 10:05, K 03-05 live errored 10:02: all failed
 */
async function seedAll(db: Database['db']) {
  await seed(db, 'H', 'checkout', '03-01T09:00', [
    pre('deployed', '03-01T09:10', passed('03-01T09:40')),
    live('deployed', '03-01T10:00'),
  ]);
  await seed(db, 'A', 'checkout', '03-05T10:00', [
    pre('deployed', '03-05T10:30', passed('03-05T11:00')),
    live('deployed', '03-05T12:00'),
  ]);
  await seed(db, 'B', 'checkout', '03-06T09:00', [
    pre('deployed', '03-06T09:20', passed('03-06T09:30')),
    live('deployed', '03-06T10:00'),
  ]);
  await seed(db, 'C', 'checkout', '03-06T11:00', [pre('skipped'), live('deployed', '03-06T11:10')], 'B');
  await seed(db, 'D', 'checkout', '03-07T08:00', [pre('failed', '03-07T08:15'), live('pending')]);
  await seed(db, 'E', 'checkout', '03-08T09:00', [
    pre('deployed', '03-08T09:30', { passed: false, at: at('03-08T10:00'), by: 'ci' }),
    live('pending'),
  ]);
  await seed(db, 'F', 'checkout', '03-09T10:00', [
    pre('deployed', '03-09T10:10', passed('03-09T10:20')),
    live('errored', '03-09T11:00'),
  ]);
  await seed(db, 'G', 'checkout', '03-09T12:00', [
    pre('deployed', '03-09T12:30', passed('03-09T12:40')),
    live('cancelled'),
  ]);
  await seed(db, 'I', 'search', '03-10T07:00', [
    pre('deployed', '03-10T08:00', { passed: false, at: at('03-10T09:00'), by: 'slipway', expired: true }),
  ]);
  await seed(db, 'J', 'billing', '03-04T10:00', [live('failed', '03-04T10:05')]);
  await seed(db, 'K', 'billing', '03-05T10:00', [live('errored', '03-05T10:02')]);
}

const none = {
  deployments: 0,
  finished: 0,
  failed: 0,
  deployFailed: 0,
  testsFailed: 0,
  rolledBack: 0,
  changeFailureRate: null,
  leadTime: null,
  timeToRestore: null,
  unrestored: 0,
};

async function exercise(database: Database) {
  const { db } = database;
  await seedAll(db);
  const week = await deliveryFigures(db, { days: 7, bucket: 'day', now: NOW });
  expect(week.from).toBe('2025-03-04T00:00:00Z');
  expect(week.to).toBe('2025-03-10T12:00:00Z');
  expect(week.pairs).toEqual([
    {
      service: 'billing',
      environment: 'live',
      ...none,
      finished: 2,
      failed: 2,
      deployFailed: 2,
      changeFailureRate: 1,
      unrestored: 2,
    },
    {
      service: 'checkout',
      environment: 'live',
      deployments: 3, // A, B, C
      finished: 4, // and F
      failed: 2, // B rolled back, F errored
      deployFailed: 1,
      testsFailed: 0,
      rolledBack: 1,
      changeFailureRate: 0.5,
      leadTime: { median: 5400, p90: 6840 }, // 3600, 7200 (C is a rollback)
      timeToRestore: { median: 4200, p90: 4200 },
      unrestored: 1, // F
    },
    {
      service: 'checkout',
      environment: 'preprod',
      deployments: 5, // A B E F G
      finished: 6, // and D
      failed: 2, // D failed, E's tests failed
      deployFailed: 1,
      testsFailed: 1,
      rolledBack: 0,
      changeFailureRate: 2 / 6,
      leadTime: { median: 1800, p90: 1800 }, // 600 1200 1800 1800 1800
      timeToRestore: { median: 134250, p90: 170610 }, // 88800, 179700
      unrestored: 0,
    },
    {
      service: 'search',
      environment: 'preprod',
      ...none,
      deployments: 1,
      finished: 1,
      changeFailureRate: 0,
      leadTime: { median: 3600, p90: 3600 },
    },
  ]);
  expect(week.total).toEqual({
    deployments: 9,
    finished: 13,
    failed: 6,
    deployFailed: 4,
    testsFailed: 1,
    rolledBack: 1,
    changeFailureRate: 6 / 13,
    leadTime: { median: 1800, p90: 4680 }, // 600 1200 1800 1800 1800 3600 3600 7200
    timeToRestore: { median: 88800, p90: 161520 }, // 4200 88800 179700
    unrestored: 3,
  });
  expect(week.buckets.map((b) => [b.start, b.deployments, b.finished, b.failed])).toEqual([
    ['2025-03-04', 0, 1, 1], // J
    ['2025-03-05', 2, 3, 1], // A twice, K
    ['2025-03-06', 3, 3, 1], // B twice (rolled back in live), C
    ['2025-03-07', 0, 1, 1], // D
    ['2025-03-08', 1, 1, 1], // E
    ['2025-03-09', 2, 3, 1], // F twice, G
    ['2025-03-10', 1, 1, 0], // I
  ]);
  expect(week.buckets[1]!.leadTime).toEqual({ median: 4500, p90: 6660 }); // 1800, 7200
  expect(week.buckets[3]!.timeToRestore).toEqual({ median: 179700, p90: 179700 });

  // Filtered to one service and environment, by weeks: H comes into the window.
  const live = await deliveryFigures(db, {
    days: 14,
    bucket: 'week',
    now: NOW,
    service: 'checkout',
    environment: 'live',
  });
  expect(live.from).toBe('2025-02-24T00:00:00Z');
  expect(live.buckets.map((b) => [b.start, b.deployments, b.finished, b.failed, b.leadTime?.median ?? null])).toEqual([
    ['2025-02-24', 1, 1, 0, 3600],
    ['2025-03-03', 3, 4, 2, 5400],
    ['2025-03-10', 0, 0, 0, null],
  ]);
  expect(live.pairs.map((p) => [p.service, p.environment, p.deployments])).toEqual([['checkout', 'live', 4]]);

  // All failed: a change failure rate of 1, no lead time, nothing restored.
  const billing = await deliveryFigures(db, { days: 7, bucket: 'day', now: NOW, service: 'billing' });
  expect(billing.total).toEqual({
    ...none,
    finished: 2,
    failed: 2,
    deployFailed: 2,
    changeFailureRate: 1,
    unrestored: 2,
  });

  // No deployments: every bucket empty, no pairs, no rates.
  const nothing = await deliveryFigures(db, { days: 30, bucket: 'day', now: NOW, service: 'nothing' });
  expect(nothing.buckets).toHaveLength(30);
  expect(nothing.buckets[0]).toEqual({ start: '2025-02-09', ...none });
  expect(nothing.pairs).toEqual([]);
  expect(nothing.total).toEqual(none);

  // A failure restored after the window's end still counts its time to restore.
  const before = await deliveryFigures(db, {
    days: 1,
    bucket: 'day',
    now: new Date('2025-03-07T23:00:00Z'),
    service: 'checkout',
    environment: 'preprod',
  });
  expect(before.total).toMatchObject({ finished: 1, failed: 1, timeToRestore: { median: 179700, p90: 179700 } });
}

describe('deliveryFigures', () => {
  it('on a Postgres server', async () => {
    const pg = await freshDatabase(inject('databaseUrl'));
    const database = await openDatabase({ url: pg.url, max: 2 });
    try {
      await exercise(database);
    } finally {
      await database.close();
      await pg.drop();
    }
  });

  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-figures-pglite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on PGlite', async () => {
    const database = await openDatabase({ dataDir: dir });
    try {
      await exercise(database);
    } finally {
      await database.close();
    }
  });
});
