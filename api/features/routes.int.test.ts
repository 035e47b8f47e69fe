// /v1/features with app.request(): read from the feature links the webhooks and builds record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerArtifact } from '../../db/artifacts.js';
import { linkFeature } from '../../db/features.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
  const db = api.database.db;
  await linkFeature(db, {
    featureKey: 'ABC-1',
    kind: 'branch',
    repo: 'acme/shop',
    ref: 'feature/ABC-1-cart',
    detail: { commit: 'c0ffee' },
  });
  await linkFeature(db, {
    featureKey: 'ABC-1',
    kind: 'build',
    repo: 'acme/shop',
    ref: 'bld-1',
    detail: { job: 'team/shop/ci' },
  });
  await registerArtifact(db, {
    service: 'checkout',
    module: 'checkout',
    version: '1.2.0',
    digest: null,
    commit: 'c0ffee',
    sourceUrl: null,
    buildId: 'bld-1',
    registeredBy: 'test',
  });
});
afterAll(async () => api?.close());

describe('/v1/features', () => {
  it('lists features with their link counts', async () => {
    const res = await api.request('GET', '/v1/features', { as: 'reader' });
    expect(res.status).toBe(200);
    expect(res.body.features).toEqual([expect.objectContaining({ key: 'ABC-1', links: 2 })]);
  });

  it('shows a feature: branches, builds and the artifacts they registered', async () => {
    const res = await api.request('GET', '/v1/features/ABC-1', { as: 'reader' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      key: 'ABC-1',
      branches: [{ repo: 'acme/shop', ref: 'feature/ABC-1-cart', commit: 'c0ffee' }],
      builds: [{ ref: 'bld-1' }],
      artifacts: [{ service: 'checkout', version: '1.2.0', buildId: 'bld-1' }],
      deployments: [],
      environments: [],
    });
    expect((await api.request('GET', `/v1/features/${encodeURIComponent('#42')}`, { as: 'reader' })).status).toBe(404);
  });

  it('needs a token', async () => {
    expect((await api.request('GET', '/v1/features', { as: null })).status).toBe(401);
    expect((await api.request('GET', '/v1/features/ABC-1', { as: null })).status).toBe(401);
  });
});
