// Liveness and readiness with app.request(): no token needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('/healthz and /readyz', () => {
  it('answers while the database and Temporal answer', async () => {
    expect((await api.request('GET', '/healthz', { as: null })).body).toEqual({ status: 'ok' });
    expect(await api.request('GET', '/readyz', { as: null })).toMatchObject({
      status: 200,
      body: { status: 'ready', problems: [] },
    });
  });
});
