// Liveness and readiness with app.request(): no token needed; the dependencies' errors only for readers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

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

describe('dependency probes', () => {
  const probes = { database: 0, temporal: 0, jenkins: 0 };
  let failing: ApiHarness;
  beforeAll(async () => {
    failing = await startApiHarness({
      configYaml: `${defaultConfigYaml}
jenkins:
  release: { url: "https://jenkins.internal:8443", user: deploy, tokenEnv: RELEASE_TOKEN }
`,
      // Counting wrappers around the harness's real database and fake Temporal: Temporal is down.
      deps: ({ db, temporal }) => ({
        healthCacheMs: 2000,
        db: new Proxy(db, {
          get: (target, key) =>
            key === 'execute'
              ? (...args: Parameters<typeof db.execute>) => {
                  probes.database++;
                  return target.execute(...args);
                }
              : Reflect.get(target, key),
        }),
        temporal: new Proxy(temporal, {
          get: (target, key) =>
            key === 'workflowService'
              ? {
                  getSystemInfo: async () => {
                    probes.temporal++;
                    throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.7:7233');
                  },
                }
              : Reflect.get(target, key),
        }),
        pingJenkins: async () => {
          probes.jenkins++;
        },
      }),
    });
  });
  afterAll(async () => failing?.close());

  it('probes each dependency at most once per cache period, however often /health and /readyz are asked', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => failing.request('GET', i % 2 ? '/health' : '/readyz', { as: null })),
    );
    expect(burst.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 500 : 503)));
    await failing.request('GET', '/readyz', { as: 'reader' });
    expect(probes).toEqual({ database: 1, temporal: 1, jenkins: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    await failing.request('GET', '/health', { as: null });
    expect(probes).toEqual({ database: 2, temporal: 2, jenkins: 2 });
  });

  it('names a failing dependency to anyone, and shows its error only to a token that may read', async () => {
    const anonymous = await failing.request('GET', '/readyz', { as: null });
    expect(anonymous).toMatchObject({ status: 503, body: { status: 'unavailable', problems: ['temporal'] } });
    expect(anonymous.text).not.toContain('10.0.0.7');
    expect(await failing.request('GET', '/health', { as: null })).toMatchObject({
      status: 500,
      text: 'Status: Error (temporal)\nVersion: test',
    });
    const wrongToken = await failing.request('GET', '/readyz', { as: { token: 'slw_not-a-token' } });
    expect(wrongToken.text).not.toContain('10.0.0.7');
    expect((await failing.request('GET', '/readyz', { as: 'reader' })).body.problems).toEqual([
      'temporal: 14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.7:7233',
    ]);
    expect((await failing.request('GET', '/health', { as: 'reader' })).text).toContain('ECONNREFUSED 10.0.0.7:7233');
  });
});
