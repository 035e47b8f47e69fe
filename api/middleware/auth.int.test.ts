// Where authenticate looks for a token, with app.request().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('authenticate', () => {
  it('reads access_token from the body only on the Octopush routes that take it there', async () => {
    const sneaky = await api.request('DELETE', '/v1/tokens/some-id', {
      as: null,
      body: { access_token: api.tokens.admin },
    });
    expect(sneaky.status).toBe(401);
    const form = await api.request('POST', '/jobs/create', {
      as: null,
      body: new URLSearchParams({
        module: 'checkout',
        version: '1.0.0',
        access_token: api.tokens.requester,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.body).toMatchObject({ status: 'success', job_id: 1 });
    const json = await api.request('POST', '/jobs/1/register_test_job_url', {
      as: null,
      body: { test_job_url: 'https://ci/job/t/1/', access_token: api.tokens.reporter },
    });
    expect(json.body).toEqual({ status: 'success', message: 'Test job url registerd' });
  });
});
