// /v1/queue with app.request(): the switch is stored, then each environment lock is signalled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('/v1/queue', () => {
  it('pauses one environment and signals its lock workflow (started if need be)', async () => {
    const res = await api.request('POST', '/v1/queue/pause', { body: { environment: 'live' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ paused: { preprod: false, live: true } });
    const [call] = api.temporal.callsOf('signalWithStart');
    expect(call).toMatchObject({ name: 'environmentLock/setPaused', args: [{ paused: true }] });
    expect(call!.workflowId).toContain('live');
  });

  it('pauses and resumes every environment when the body names none (or there is no body)', async () => {
    expect((await api.request('POST', '/v1/queue/pause')).body).toEqual({ paused: { preprod: true, live: true } });
    expect((await api.request('POST', '/v1/queue/resume', { body: {} })).body).toEqual({
      paused: { preprod: false, live: false },
    });
  });

  it('answers bad input with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ environment: 'qa' }, 'environment'],
      [{ environment: 3 }, 'environment'],
      [{ env: 'live' }, 'env'],
    ] as const) {
      const res = await api.request('POST', '/v1/queue/pause', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('is for admins only', async () => {
    expect((await api.request('POST', '/v1/queue/pause', { as: null })).status).toBe(401);
    expect((await api.request('POST', '/v1/queue/resume', { as: 'approver' })).status).toBe(403);
  });
});
