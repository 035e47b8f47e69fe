// The whole app with app.request(): every /v1 route is in /v1/openapi.json, every /hooks route in
// /hooks/openapi.json, and unknown paths answer 404 JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

/** `METHOD /path` of every route the app serves under `prefix`, in OpenAPI's template syntax. */
function servedRoutes(prefix: string): string[] {
  const routes = api.app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith(`${prefix}/`) && !r.path.endsWith('/openapi.json'))
    .map(
      (r) =>
        `${r.method} ${r.path
          .slice(prefix.length)
          .replace(/:(\w+)\{\.\+((?:\/[\w-]+)*)\}/g, '{$1}$2')
          .replace(/:(\w+)/g, '{$1}')}`,
    );
  return [...new Set(routes)].sort();
}

async function documentedRoutes(path: string): Promise<string[]> {
  const doc = (await api.request('GET', path, { as: 'reader' })).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths)
    .flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`))
    .sort();
}

describe('the OpenAPI documents', () => {
  it('/v1/openapi.json documents every /v1 route', async () => {
    expect(await documentedRoutes('/v1/openapi.json')).toEqual(servedRoutes('/v1'));
  });

  it('/hooks/openapi.json documents every /hooks route', async () => {
    expect(await documentedRoutes('/hooks/openapi.json')).toEqual(servedRoutes('/hooks'));
  });
});

describe('the app', () => {
  it('answers an unknown path with 404 JSON', async () => {
    const res = await api.request('GET', '/v1/nothing-here', { as: 'reader' });
    expect(res).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no route for GET /v1/nothing-here' } },
    });
  });
});
