// /v1/deliveries with app.request(): deliveries written through the outbox (db/ functions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerArtifact } from '../../db/artifacts.js';
import { listDeliveries, markDelivered, markFailed } from '../../db/event-deliveries.js';
import { syncSinkRoutes } from '../../db/events.js';
import { EventsConfig, sinkRoutes } from '../../domain/event-config.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
let ids: { delivered: number; dead: number; pending: number };
beforeAll(async () => {
  api = await startApiHarness();
  const db = api.database.db;
  const config = EventsConfig.parse({
    subscribers: [
      { name: 'hook-a', url: 'https://hooks.example/a?token=sekrit', secretEnv: 'A_KEY' },
      { name: 'hook-b', url: 'https://hooks.example/b', secretEnv: 'B_KEY' },
    ],
  });
  await syncSinkRoutes(db, sinkRoutes(config));
  for (const version of ['1.0.0', '1.1.0', '1.2.0'])
    await registerArtifact(db, {
      service: 'checkout',
      module: 'checkout',
      version,
      digest: null,
      commit: null,
      sourceUrl: null,
      registeredBy: 'ci',
    });
  const a = (await listDeliveries(db, { subscriber: 'hook-a', limit: 10 })).reverse();
  await markDelivered(db, [a[0]!.id], 200);
  await markFailed(db, a[1]!.id, { status: 500, error: 'HTTP 500', retryAt: null });
  ids = { delivered: a[0]!.id, dead: a[1]!.id, pending: a[2]!.id };
});
afterAll(async () => api?.close());

describe('GET /v1/deliveries', () => {
  it('lists newest first, filtered by state and subscriber, without URLs or payloads', async () => {
    const all = await api.request('GET', '/v1/deliveries', { as: 'reader' });
    expect(all.status).toBe(200);
    expect(all.body.deliveries).toHaveLength(6);
    expect(all.text).not.toContain('sekrit');
    expect(all.text).not.toContain('hooks.example');
    const dead = await api.request('GET', '/v1/deliveries?state=dead', { as: 'reader' });
    expect(dead.body.deliveries).toEqual([
      expect.objectContaining({
        id: ids.dead,
        subscriber: 'hook-a',
        state: 'dead',
        attempts: 1,
        lastStatus: 500,
        lastError: 'HTTP 500',
        eventType: 'artifact.registered',
        service: 'checkout',
        version: '1.1.0',
        nextAttemptAt: null,
      }),
    ]);
    const b = await api.request('GET', '/v1/deliveries?subscriber=hook-b&state=pending', { as: 'reader' });
    expect(b.body.deliveries.map((d: { subscriber: string }) => d.subscriber)).toEqual(['hook-b', 'hook-b', 'hook-b']);
  });

  it('pages with limit and next', async () => {
    const first = await api.request('GET', '/v1/deliveries?limit=4', { as: 'reader' });
    expect(first.body.deliveries).toHaveLength(4);
    const second = await api.request('GET', `/v1/deliveries?limit=4&before=${first.body.next}`, { as: 'reader' });
    expect(second.body.deliveries).toHaveLength(2);
    expect(second.body.next).toBeNull();
  });

  it('answers bad filters with 400 naming the field, and needs a token', async () => {
    const cases: Array<[string, string]> = [
      ['state=lost', 'state'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['before=-3', 'before'],
      ['subscriber=', 'subscriber'],
    ];
    for (const [query, field] of cases) {
      const res = await api.request('GET', `/v1/deliveries?${query}`, { as: 'reader' });
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field });
    }
    expect((await api.request('GET', '/v1/deliveries', { as: null })).status).toBe(401);
  });
});

describe('POST /v1/deliveries/:id/redeliver', () => {
  it('puts a dead or a delivered one back to pending, now', async () => {
    for (const id of [ids.dead, ids.delivered]) {
      const res = await api.request('POST', `/v1/deliveries/${id}/redeliver`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, state: 'pending', deliveredAt: null });
      expect(Date.parse(res.body.nextAttemptAt)).toBeLessThanOrEqual(Date.now() + 1000);
    }
  });

  it('refuses a pending one (409), an unknown one (404), a malformed id (400), and a non-admin (403)', async () => {
    expect((await api.request('POST', `/v1/deliveries/${ids.pending}/redeliver`)).status).toBe(409);
    expect((await api.request('POST', '/v1/deliveries/999999/redeliver')).status).toBe(404);
    for (const bad of ['abc', '0', '1.5', '99999999999999999999']) {
      const res = await api.request('POST', `/v1/deliveries/${bad}/redeliver`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field: 'id' });
    }
    expect((await api.request('POST', `/v1/deliveries/${ids.dead}/redeliver`, { as: 'reader' })).status).toBe(403);
    expect((await api.request('POST', `/v1/deliveries/${ids.dead}/redeliver`, { as: 'approver' })).status).toBe(403);
  });
});
