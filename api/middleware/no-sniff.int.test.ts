// Every answer forbids content sniffing, with app.request().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('X-Content-Type-Options', () => {
  it('is nosniff on every answer: JSON, text, errors and unknown paths', async () => {
    for (const path of ['/v1/deployments', '/health', '/all', '/v1/nope', '/v1/builds/nope/logs']) {
      const res = await api.request('GET', path, { as: null });
      expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
  });
});
