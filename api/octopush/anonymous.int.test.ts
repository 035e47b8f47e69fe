// What callers without a token may do on the Octopush routes, under `auth.anonymous`: read when it
// grants read, and never change state by GET (a browser sends one for any web page).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

const listings = ['/all', '/staging/queued', '/staging/inprogress', '/prod/deployed', '/deploying', '/status', '/run'];

let strict: ApiHarness;
let octopushLike: ApiHarness;
beforeAll(async () => {
  strict = await startApiHarness();
  octopushLike = await startApiHarness({
    configYaml: `${defaultConfigYaml}\nauth: { anonymous: [read, deploy:request, deploy:report] }\n`,
  });
});
afterAll(async () => Promise.all([strict?.close(), octopushLike?.close()]));

describe('anonymous Octopush reads', () => {
  it('answers 401 to the listings and service routes when auth.anonymous grants nothing', async () => {
    for (const path of listings) {
      const res = await strict.request('GET', path, { as: null });
      expect([path, res.status, res.body?.error?.code]).toEqual([path, 401, 'unauthorized']);
      expect([path, (await strict.request('GET', path, { as: 'reader' })).status]).toEqual([path, 200]);
    }
  });

  it('serves them to anonymous callers when auth.anonymous grants read', async () => {
    for (const path of listings) {
      expect([path, (await octopushLike.request('GET', path, { as: null })).status]).toEqual([path, 200]);
    }
  });
});

describe("Octopush's state-changing GETs", () => {
  it('need a token even where anonymous callers may make the same change by POST', async () => {
    const created = await octopushLike.request('POST', '/jobs/create', {
      as: null,
      body: { module: 'checkout', version: '1' },
    });
    expect(created.body).toMatchObject({ status: 'success' });
    const id = created.body.job_id as number;

    const byGet = await octopushLike.request('GET', `/jobs/${id}/tests/true`, { as: null });
    expect(byGet.body).toMatchObject({
      status: 'error',
      detail: expect.stringContaining('a valid API token is required'),
    });
    for (const action of ['pause', 'resume']) {
      const res = await octopushLike.request('GET', `/${action}`, { as: null });
      expect(res.body).toMatchObject({
        result: 'ERROR',
        message: expect.stringContaining('a valid API token is required'),
      });
    }
    expect(octopushLike.temporal.callsOf('executeUpdate')).toEqual([]);

    const byPost = await octopushLike.request('POST', `/jobs/${id}/register_test_job_result`, {
      as: null,
      body: { success: 'true' },
    });
    expect(byPost.body).toEqual({ status: 'success', message: 'Test result registered' });
    const withToken = await octopushLike.request(
      'GET',
      `/jobs/${id}/tests/true?access_token=${octopushLike.tokens.reporter}`,
      {
        as: null,
      },
    );
    expect(withToken.body).toEqual({ status: 'success', message: 'Test result registered' });
  });
});
