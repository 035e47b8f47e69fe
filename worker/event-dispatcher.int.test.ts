// The dispatcher against real Postgres and loopback sinks: a subscriber that is down for a while
// still gets every event, in order per deployment, duplicates only under the same id; dead-letter
// after giveUpAfter, then redelivery; DeployDB's format and order; Elasticsearch's _bulk API.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.js';
import { listDeliveries, redeliver } from '../db/event-deliveries.js';
import { recordDeployment } from '../db/deployments.js';
import { eventDeliveries, events } from '../db/schema.js';
import { EventsConfig } from '../domain/event-config.js';
import { startFakeElasticsearch, type FakeElasticsearch } from '../test/fakes/elasticsearch.js';
import { startEventReceiver, type EventReceiver } from '../test/fakes/event-receiver.js';
import { happyPath } from '../test/support/deployment-snapshots.js';
import { freshDatabase } from '../test/support/pg.js';
import { createEventDispatcher, type EventDispatcher } from './event-dispatcher.js';

const SECRET = 'whsec-test-key';
let pg: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let dispatchers: EventDispatcher[] = [];
let receivers: EventReceiver[] = [];

beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  database = await openDatabase({ url: pg.url, max: 6 });
});
afterEach(async () => {
  for (const d of dispatchers) await d.stop();
  for (const r of receivers) await r.close();
  dispatchers = [];
  receivers = [];
  await database.db.delete(eventDeliveries);
  await database.db.delete(events);
});
afterAll(async () => {
  await database?.close();
  await pg?.drop();
});

async function receiver() {
  const r = await startEventReceiver(SECRET);
  receivers.push(r);
  return r;
}

async function dispatcher(config: unknown, count = 1) {
  for (let i = 0; i < count; i++) {
    const d = createEventDispatcher({
      database,
      config: EventsConfig.parse(config),
      env: { HOOK_KEY: SECRET, ES_PASSWORD: 'es-secret' },
      scanIntervalMs: 200,
      requestTimeoutMs: 2_000,
    });
    await d.start();
    dispatchers.push(d);
  }
}

const fast = { initial: '50ms', max: '200ms', giveUpAfter: '1m' };
const until = async (check: () => Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('HTTP subscribers', () => {
  it('a subscriber down for a while gets every event, signed, in order per deployment, duplicates only with the same id', async () => {
    const hook = await receiver();
    hook.down(503);
    await dispatcher({ subscribers: [{ name: 'hook', url: hook.url, secretEnv: 'HOOK_KEY' }], retry: fast }, 2);
    const deployments = ['a', 'b', 'c'].map((id, i) => happyPath(`dep-${id}`, 'checkout', `1.${i}.0`, i + 1));
    // Interleaved, as concurrent deployments write their snapshots.
    for (let step = 0; step < 5; step++)
      for (const snaps of deployments) await recordDeployment(database.db, snaps[step]!);
    await until(async () => hook.requests.length >= 6, 'failed attempts while down');
    hook.up();
    const stored = await database.db.select().from(events);
    expect(stored).toHaveLength(15);
    await hook.waitFor(15);
    await until(
      async () => (await listDeliveries(database.db, { state: 'delivered', limit: 100 })).length === 15,
      'all delivered',
    );

    const accepted = hook.accepted();
    expect(hook.requests.every((r) => r.signatureValid)).toBe(true);
    // Every event arrived; an event delivered twice came under its one id with the same body.
    const byId = new Map<string, string>();
    for (const r of accepted) {
      expect(r.body.id).toBe(r.delivery);
      if (byId.has(r.delivery)) expect(r.raw).toBe(byId.get(r.delivery));
      byId.set(r.delivery, r.raw);
    }
    expect(new Set(byId.keys())).toEqual(new Set(stored.map((e) => e.id)));
    for (const d of deployments) {
      const seen = accepted
        .filter((r) => r.body.deploymentId === d[0]!.id)
        .map((r) => `${r.type}@${r.body.environment}`);
      expect([...new Set(seen)]).toEqual([
        'deployment.created@preprod',
        'deployment.started@preprod',
        'deployment.completed@preprod',
        'deployment.started@live',
        'deployment.completed@live',
      ]);
    }
    const failed = hook.requests.filter((r) => r.answered === 503);
    expect(failed.length).toBeGreaterThan(0);
    expect(accepted[0]!.body).toMatchObject({
      type: 'deployment.created',
      service: 'checkout',
      data: { deployment: { requestor: 'alice' } },
    });
  });

  it('dead-letters after giveUpAfter, and a redelivery sends it again under the same id', async () => {
    const hook = await receiver();
    hook.down(500);
    await dispatcher({
      subscribers: [{ name: 'hook', url: hook.url, secretEnv: 'HOOK_KEY', events: ['deployment.created'] }],
      retry: { initial: '50ms', max: '100ms', giveUpAfter: '600ms' },
    });
    await recordDeployment(database.db, happyPath('dep-dead', 'checkout', '1.0.0', 100)[0]!);
    await until(
      async () => (await listDeliveries(database.db, { state: 'dead', limit: 10 })).length === 1,
      'dead-letter',
    );
    const [dead] = await listDeliveries(database.db, { state: 'dead', limit: 10 });
    expect(dead).toMatchObject({ subscriber: 'hook', lastStatus: 500, lastError: 'HTTP 500' });
    expect(dead!.attempts).toBeGreaterThan(1);
    const attemptsWhileDown = hook.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.requests.length).toBe(attemptsWhileDown); // dead: no more attempts

    hook.up();
    expect(await redeliver(database.db, dead!.id)).not.toBeNull();
    const [got] = await hook.waitFor(1);
    expect(got!.delivery).toBe(dead!.eventId);
    await until(
      async () => (await listDeliveries(database.db, { state: 'delivered', limit: 10 })).length === 1,
      'redelivered',
    );
  });

  it("DeployDB's format: its payload shapes, and the environment's URLs before the global ones", async () => {
    const envHook = await receiver();
    const globalHook = await receiver();
    const order: string[] = [];
    await dispatcher({
      subscribers: [
        { name: 'global', url: globalHook.url, secretEnv: 'HOOK_KEY', format: 'deploydb' },
        { name: 'live', url: envHook.url, secretEnv: 'HOOK_KEY', format: 'deploydb', environment: 'live' },
      ],
      retry: fast,
    });
    const snaps = happyPath('dep-ddb', 'group:foas', '4.0.0', 42);
    for (const s of snaps) await recordDeployment(database.db, s);
    await globalHook.waitFor(5);
    await envHook.waitFor(2);
    expect(globalHook.accepted().map((r) => r.body.status)).toEqual([
      'CREATED',
      'STARTED',
      'COMPLETED',
      'STARTED',
      'COMPLETED',
    ]);
    expect(envHook.accepted()[1]!.body).toEqual({
      id: 42,
      artifact: { id: null, group: 'group', name: 'foas', version: '4.0.0', sourceUrl: null, createdAt: null },
      service: 'group:foas',
      environment: 'live',
      createdAt: expect.any(String),
      status: 'COMPLETED',
    });
    const completedLive = (await database.db.select().from(events).where(eq(events.type, 'deployment.completed'))).find(
      (e) => e.environment === 'live',
    )!;
    const both = [...envHook.accepted(), ...globalHook.accepted()].filter((r) => r.delivery === completedLive.id);
    order.push(...both.sort((a, b) => a.at - b.at).map((r) => (envHook.requests.includes(r) ? 'live' : 'global')));
    expect(order[0]).toBe('live');
  });
});

describe('Elasticsearch', () => {
  let es: FakeElasticsearch;
  beforeAll(async () => {
    es = await startFakeElasticsearch();
  });
  afterAll(async () => es?.close());

  it('indexes completed deployments through _bulk NDJSON, retrying the items it failed', async () => {
    es.requireAuth('slipway', 'es-secret');
    es.failNextItems(1, 429);
    await dispatcher({
      elasticsearch: { url: es.url, index: 'slipway-events', username: 'slipway', passwordEnv: 'ES_PASSWORD' },
      retry: fast,
    });
    for (const [i, id] of ['es-1', 'es-2'].entries())
      for (const s of happyPath(id, 'checkout', '1.0.0', 200 + i)) await recordDeployment(database.db, s);
    await until(async () => (es.documents.get('slipway-events')?.size ?? 0) === 4, 'four documents');
    expect(es.rejected).toEqual([]);
    const docs = [...es.documents.get('slipway-events')!.values()];
    expect(docs.every((d) => d.type === 'deployment.completed' && typeof d['@timestamp'] === 'string')).toBe(true);
    const completed = await database.db.select().from(events).where(eq(events.type, 'deployment.completed'));
    expect(new Set(es.documents.get('slipway-events')!.keys())).toEqual(new Set(completed.map((e) => e.id)));
    const retried = (await listDeliveries(database.db, { subscriber: 'elasticsearch', limit: 10 })).filter(
      (d) => d.attempts > 1,
    );
    expect(retried).toHaveLength(1);
    expect(es.bulks.every((b) => b.endsWith('\n') && b.split('\n').length % 2 === 1)).toBe(true);
  });
});
