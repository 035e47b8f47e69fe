// /v1/artifacts with app.request().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('/v1/artifacts', () => {
  it('registers a version (a repeat keeps the first) and lists by service', async () => {
    const res = await api.request('POST', '/v1/artifacts', {
      as: 'requester',
      body: { service: 'checkout', version: '1.0.0', digest: 'sha256:aa' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      service: 'checkout',
      version: '1.0.0',
      digest: 'sha256:aa',
      commit: null,
      registeredBy: 'requester',
    });
    expect(
      (
        await api.request('POST', '/v1/artifacts', {
          body: { service: 'checkout', version: '1.0.0', digest: 'sha256:bb' },
        })
      ).body.digest,
    ).toBe('sha256:aa');
    await api.request('POST', '/v1/artifacts', { body: { service: 'search', version: '2.0.0' } });
    const list = await api.request('GET', '/v1/artifacts?service=checkout', { as: 'reader' });
    expect(list.status).toBe(200);
    expect(list.body.artifacts.map((a: { version: string }) => a.version)).toEqual(['1.0.0']);
    expect((await api.request('GET', '/v1/artifacts', { as: 'reader' })).body.artifacts).toHaveLength(2);
  });

  it('reads a JSON body whatever its content type says', async () => {
    const res = await api.request('POST', '/v1/artifacts', {
      body: JSON.stringify({ service: 'search', version: '2.1.0' }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(201);
  });

  it('answers bad input with 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ version: '1' }, 'service'],
      [{ service: 'checkout', version: '' }, 'version'],
      [{ service: 'nope', version: '1' }, 'service'],
      [{ service: 'checkout', version: '1', digest: 5 }, 'digest'],
      [{ service: 'checkout', version: '1', commit: false }, 'commit'],
      ['{', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/v1/artifacts', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field });
    }
  });

  it('needs deploy:request to register and a token to list', async () => {
    expect(
      (await api.request('POST', '/v1/artifacts', { as: null, body: { service: 'checkout', version: '9' } })).status,
    ).toBe(401);
    expect(
      (await api.request('POST', '/v1/artifacts', { as: 'reporter', body: { service: 'checkout', version: '9' } }))
        .status,
    ).toBe(403);
    expect((await api.request('GET', '/v1/artifacts', { as: null })).status).toBe(401);
  });
});
