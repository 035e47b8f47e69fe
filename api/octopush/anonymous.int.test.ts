// What callers without a token may do on the Octopush routes, under `auth.anonymous`.
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
