// The inbox's statements on both drivers behind openDatabase: PGlite and a Postgres server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../test/support/pg.js';
import type { ForgeEventInput } from '../domain/forge-event-input.js';
import { openDatabase, type Database } from './client.js';
import { webhookInbox } from './schema.js';
import {
  claimDeliveries,
  insertDelivery,
  markHanded,
  pruneHanded,
  recordFailure,
  releaseClaims,
} from './webhook-inbox.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-inbox-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (deliveryId: string) =>
  ({
    forge: 'github',
    deliveryId,
    eventType: 'push',
    events: [],
    rule: {},
    publicUrl: null,
    statuses: false,
  }) as unknown as ForgeEventInput;
const delivery = (deliveryId: string) => ({
  forge: 'github',
  deliveryId,
  workflowId: `hook-github-${deliveryId}@q`,
  input: input(deliveryId),
  traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
});

async function exercise(database: Database) {
  const { db } = database;
  expect(await insertDelivery(db, delivery('a'))).toBe(true);
  expect(await insertDelivery(db, delivery('a'))).toBe(false);
  expect(await insertDelivery(db, delivery('b'))).toBe(true);
  expect(await insertDelivery(db, delivery('c'))).toBe(true);

  // Oldest first; claimed rows are not claimed again while the claim holds.
  const first = await claimDeliveries(db, 2, 60_000);
  expect(first.map((r) => r.id)).toEqual(['github:a', 'github:b']);
  expect(first[0]).toMatchObject({
    workflowId: 'hook-github-a@q',
    input: input('a'),
    attempts: 0,
    traceContext: { traceparent: expect.any(String) },
  });
  expect((await claimDeliveries(db, 10, 60_000)).map((r) => r.id)).toEqual(['github:c']);
  expect(await claimDeliveries(db, 10, 60_000)).toEqual([]);

  await markHanded(db, ['github:a']);
  await recordFailure(db, 'github:b', 'Temporal is down', 60_000);
  await releaseClaims(db, ['github:c']);
  const rows = Object.fromEntries((await db.select().from(webhookInbox)).map((r) => [r.deliveryId, r]));
  expect(rows.a).toMatchObject({ input: null, traceContext: null, claimedUntil: null, attempts: 0 });
  expect(rows.a!.handedAt).toBeInstanceOf(Date);
  expect(rows.b).toMatchObject({ handedAt: null, attempts: 1, lastError: 'Temporal is down', input: input('b') });
  // b backs off; c, given back, is claimable at once; a is done.
  expect((await claimDeliveries(db, 10, 60_000)).map((r) => r.id)).toEqual(['github:c']);

  // An expired claim (or back-off) makes a row claimable again.
  await recordFailure(db, 'github:b', 'still down', 0);
  const again = await claimDeliveries(db, 10, 60_000);
  expect(again).toEqual([expect.objectContaining({ id: 'github:b', attempts: 2 })]);
  const [b] = await db.select().from(webhookInbox).where(eq(webhookInbox.id, 'github:b'));
  expect(b).toMatchObject({ attempts: 2, lastError: 'still down' });

  // jsonb holds no NUL character: it is stored as U+FFFD instead of failing the delivery.
  const nul = delivery('nul');
  nul.input = { ...nul.input, events: [{ title: 'fix\u0000it', labels: ['a\u0000'] }] } as unknown as ForgeEventInput;
  expect(await insertDelivery(db, nul)).toBe(true);
  const [stored] = await db.select().from(webhookInbox).where(eq(webhookInbox.id, 'github:nul'));
  expect(stored!.input!.events).toEqual([{ title: 'fix\uFFFDit', labels: ['a\uFFFD'] }]);

  // Pruning forgets handed deliveries past the retention, never pending ones.
  expect(await pruneHanded(db, 3_600_000)).toBe(0);
  await new Promise((r) => setTimeout(r, 20));
  expect(await pruneHanded(db, 10)).toBe(1);
  expect((await db.select({ id: webhookInbox.id }).from(webhookInbox)).map((r) => r.id).sort()).toEqual([
    'github:b',
    'github:c',
    'github:nul',
  ]);
  expect(await insertDelivery(db, delivery('a'))).toBe(true);

  // The same signed body under a new delivery id is a replay; on another forge it is not.
  expect(await insertDelivery(db, { ...delivery('signed'), bodyHash: 'h1' })).toBe(true);
  expect(await insertDelivery(db, { ...delivery('replayed'), bodyHash: 'h1' })).toBe(false);
  expect(await insertDelivery(db, { ...delivery('other'), forge: 'gitea', bodyHash: 'h1' })).toBe(true);
  expect(await insertDelivery(db, delivery('unhashed'))).toBe(true);
}

describe('webhook inbox statements', () => {
  it('work on PGlite', async () => {
    const database = await openDatabase({ dataDir: dir });
    try {
      await exercise(database);
    } finally {
      await database.close();
    }
  });

  it('work on a Postgres server', async () => {
    const pg = await freshDatabase(inject('databaseUrl'));
    const database = await openDatabase({ url: pg.url, max: 2 });
    try {
      await exercise(database);
    } finally {
      await database.close();
      await pg.drop();
    }
  });
});
