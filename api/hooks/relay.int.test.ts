// The webhook relay against a real Postgres and the shared Temporal dev server: deliveries left in
// the inbox are started once, by one of several relays, and wait out a Temporal outage. No worker
// polls the task queue: the workflows only have to exist (they are terminated at the end).
import { createServer } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';
import { inboxId, insertDelivery } from '../../db/webhook-inbox.js';
import { normalizeForgeEvents } from '../../domain/forge-events.js';
import { parseConfig } from '../../infra/config-loader.js';
import { connectTemporal, type TemporalClients } from '../../infra/runtime.js';
import { inboxRow, inboxWorkflowIds } from '../../test/support/inbox-rows.js';
import { freshDatabase } from '../../test/support/pg.js';
import { eventually } from '../../test/support/stack.js';
import { githubPush } from '../../test/support/webhooks.js';
import { forgeEventWorkflowId, type ForgeEventInput } from '../../workflows/forge-event.messages.js';
import { startWebhookRelay, type WebhookRelay, type WebhookRelayOptions } from './relay.js';

const taskQueue = `relay-${randomBytes(5).toString('hex')}`;
const rule = parseConfig(
  'services: {}\nforges: { github: { vendor: github, secretEnv: S } }\nrepositories: { acme/shop: { forge: github, branches: { job: team/shop/ci } } }\n',
  'relay-test.yml',
).repositories['acme/shop']!;
const fast: Partial<WebhookRelayOptions> = { sweepMs: 100, retryBaseMs: 200, retryMaxMs: 400, startTimeoutMs: 1_000 };

let pg: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let temporal: TemporalClients;
const relays: WebhookRelay[] = [];

beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  database = await openDatabase({ url: pg.url, max: 5 });
  temporal = await connectTemporal(inject('temporalAddress'), 'default');
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  const workflowIds = await inboxWorkflowIds(database.db);
  await Promise.all(
    workflowIds.map((id) =>
      temporal.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => {}),
    ),
  );
  await temporal.close();
  await database.close();
  await pg.drop();
});

/** A client on the dev server that notes every start it is asked for, successful or not. */
function countingClient(connection: Connection = temporal.connection) {
  const starts: string[] = [];
  const counter: WorkflowClientInterceptor = {
    startWithDetails: (input, next) => {
      starts.push(input.options.workflowId);
      return next(input);
    },
  };
  return { client: new Client({ connection, namespace: 'default', interceptors: { workflow: [counter] } }), starts };
}

function relay(db: Database, client: Client, options: Partial<WebhookRelayOptions> = fast) {
  const r = startWebhookRelay({ db: db.db, temporal: client, taskQueue }, options);
  relays.push(r);
  return r;
}

/** What the gateway writes for a GitHub push to acme/shop main. */
async function accept(db: Database = database) {
  const deliveryId = randomUUID();
  const normalized = normalizeForgeEvents(
    'github',
    'push',
    githubPush('acme/shop', 'main', randomBytes(20).toString('hex')),
  );
  if (!normalized.ok) throw new Error(normalized.ignored);
  const input: ForgeEventInput = {
    forge: 'github',
    deliveryId,
    eventType: 'push',
    events: normalized.events,
    rule,
    publicUrl: null,
    statuses: false,
    heartbeatMs: 30_000,
  };
  const workflowId = forgeEventWorkflowId(taskQueue, 'github', deliveryId);
  expect(await insertDelivery(db.db, { forge: 'github', deliveryId, workflowId, input, traceContext: null })).toBe(
    true,
  );
  return { id: inboxId('github', deliveryId), workflowId };
}

const row = async (id: string) => (await inboxRow(database.db, id))!;
const handed = (id: string) =>
  eventually(
    async () => {
      const r = await row(id);
      return r.handedAt ? r : undefined;
    },
    `delivery ${id} to be handed to Temporal`,
    20_000,
  );
const countBy = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

/** A port nothing listens on: a Temporal that is down. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return `127.0.0.1:${port}`;
}

describe('webhook relay', () => {
  it('starts, exactly once, a delivery inserted while no relay ran (at its first look) and one inserted without a poke (at a sweep)', async () => {
    const beforeCrash = await accept();
    const { client, starts } = countingClient();
    const r = relay(database, client);
    const first = await handed(beforeCrash.id);
    expect(first).toMatchObject({ input: null, traceContext: null, attempts: 0, lastError: null, claimedUntil: null });

    const unpoked = await accept();
    const second = await handed(unpoked.id);
    expect(second).toMatchObject({ input: null, attempts: 0 });
    await r.close();
    expect(starts).toEqual([beforeCrash.workflowId, unpoked.workflowId]);
    for (const id of starts)
      expect((await temporal.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
  });

  it('lets two relays on one database start each delivery once', async () => {
    const replica = await openDatabase({ url: pg.url, max: 5 });
    try {
      const deliveries = await Promise.all(Array.from({ length: 120 }, () => accept()));
      const a = countingClient();
      const b = countingClient();
      const small = { ...fast, concurrency: 4, batchSize: 6 };
      const ra = relay(database, a.client, small);
      const rb = relay(replica, b.client, small);
      ra.poke();
      rb.poke();
      for (const d of deliveries) await handed(d.id);
      await Promise.all([ra.close(), rb.close()]);

      const counts = countBy([...a.starts, ...b.starts]);
      expect([...counts.keys()].sort()).toEqual(deliveries.map((d) => d.workflowId).sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      // Both took part: the claims really were contended.
      expect(a.starts.length).toBeGreaterThan(0);
      expect(b.starts.length).toBeGreaterThan(0);
    } finally {
      await replica.close();
    }
  });

  it('keeps a delivery while Temporal is down, recording attempts and the error, and hands it over once Temporal answers', async () => {
    const down = countingClient(Connection.lazy({ address: await deadAddress() }));
    const outage = relay(database, down.client);
    const delivery = await accept();
    outage.poke();
    const failing = await eventually(
      async () => {
        const r = await row(delivery.id);
        return r.attempts >= 2 ? r : undefined;
      },
      'two failed starts',
      20_000,
    );
    expect(failing).toMatchObject({
      handedAt: null,
      input: expect.objectContaining({ deliveryId: failing.deliveryId }),
    });
    expect(failing.lastError).toBeTruthy();
    await outage.close();
    expect(down.starts.length).toBeGreaterThanOrEqual(2);

    const up = countingClient();
    relay(database, up.client);
    const done = await handed(delivery.id);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.input).toBeNull();
    expect(up.starts).toEqual([delivery.workflowId]);
    expect((await temporal.client.workflow.getHandle(delivery.workflowId).describe()).status.name).toBe('RUNNING');
  });

  it('forgets handed deliveries once their retention has passed', async () => {
    const { client } = countingClient();
    const done = await accept();
    const r = relay(database, client, { ...fast, retentionMs: 2_000, pruneEveryMs: 100 });
    await handed(done.id);
    await eventually(
      async () => ((await inboxRow(database.db, done.id)) === undefined ? true : undefined),
      'the handed delivery to be pruned',
      15_000,
    );
    await r.close();
    await temporal.client.workflow.getHandle(done.workflowId).terminate('test over');
  });
});
