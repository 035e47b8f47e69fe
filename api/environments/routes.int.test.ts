// /v1/environments/{env}/queue with app.request(): read from the lock's projection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('/v1/environments/{env}/queue', () => {
  it('shows an environment nobody holds', async () => {
    const res = await api.request('GET', '/v1/environments/preprod/queue', { as: 'reader' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      environment: 'preprod',
      concurrency: 'groups',
      paused: false,
      holders: [],
      waiting: [],
    });
  });

  it('shows the pause switch', async () => {
    await api.request('POST', '/v1/queue/pause', { body: { environment: 'live' } });
    expect((await api.request('GET', '/v1/environments/live/queue', { as: 'reader' })).body.paused).toBe(true);
  });

  it('answers 404 for an unknown environment and 401 without a token', async () => {
    expect((await api.request('GET', '/v1/environments/qa/queue', { as: 'reader' })).status).toBe(404);
    expect((await api.request('GET', '/v1/environments/preprod/queue', { as: null })).status).toBe(401);
  });
});
