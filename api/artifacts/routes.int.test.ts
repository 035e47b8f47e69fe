// /v1/artifacts with app.request(): registration, immutability, modules, and "artifact ready".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

const sha = (c: string) => `sha256:${c.repeat(64)}`;

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
services:
  checkout: { group: 1, deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
  search: { group: 2, deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
  foas:
    artifacts: ["com.example:foas", "com.example:puppet-foas"]
    deployOnArtifact: true
    deploy: { "*": { type: external } }
`,
  });
});
afterAll(async () => api?.close());

describe('/v1/artifacts', () => {
  it('registers a version once: the same artifact again is 200, other values are 409', async () => {
    const body = { service: 'checkout', version: '1.0.0', digest: sha('a'), commit: 'c0ffee' };
    const res = await api.request('POST', '/v1/artifacts', { as: 'requester', body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      service: 'checkout',
      module: 'checkout',
      version: '1.0.0',
      digest: sha('a'),
      commit: 'c0ffee',
      sourceUrl: null,
      registeredBy: 'requester',
      deployments: [],
    });
    const again = await api.request('POST', '/v1/artifacts', { body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
    const other = await api.request('POST', '/v1/artifacts', { body: { ...body, digest: sha('b') } });
    expect(other.status).toBe(409);
    expect(other.body.error.detail).toEqual({ differing: ['digest'] });
    const unnamed = await api.request('POST', '/v1/artifacts', { body: { service: 'checkout', version: '1.0.0' } });
    expect(unnamed.status).toBe(409);
    expect(unnamed.body.error.detail.differing).toEqual(['digest', 'commit']);
    const list = await api.request('GET', '/v1/artifacts?service=checkout', { as: 'reader' });
    expect(list.body.artifacts.map((a: { digest: string }) => a.digest)).toEqual([sha('a')]);
  });

  it('lists by service and by module, newest first', async () => {
    await api.request('POST', '/v1/artifacts', { body: { service: 'search', version: '2.0.0' } });
    await api.request('POST', '/v1/artifacts', { body: { service: 'search', version: '2.1.0' } });
    const bySearch = await api.request('GET', '/v1/artifacts?service=search', { as: 'reader' });
    expect(bySearch.body.artifacts.map((a: { version: string }) => a.version)).toEqual(['2.1.0', '2.0.0']);
    const byModule = await api.request('GET', '/v1/artifacts?module=search', { as: 'reader' });
    expect(byModule.body.artifacts).toHaveLength(2);
  });

  it('finds the service of a module; a service with several artifacts needs the module named', async () => {
    const res = await api.request('POST', '/v1/artifacts', {
      body: { module: 'com.example:puppet-foas', version: '3.0.0', sourceUrl: 'https://git.example/foas' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ service: 'foas', module: 'com.example:puppet-foas' });
    const ambiguous = await api.request('POST', '/v1/artifacts', { body: { service: 'foas', version: '3.0.0' } });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.field).toBe('module');
  });

  it('"artifact ready" requests one deployment of a deployOnArtifact service, however often it is registered', async () => {
    const starts = () => api.temporal.callsOf('start').filter((s) => s.name === 'deployment');
    const before = starts().length;
    const body = { module: 'com.example:foas', version: '4.0.0', digest: sha('c') };
    const first = await api.request('POST', '/v1/artifacts', { as: 'requester', body });
    expect(first.status).toBe(201);
    expect(first.body.deployments).toHaveLength(1);
    const again = await api.request('POST', '/v1/artifacts', { as: 'requester', body });
    expect(again.status).toBe(200);
    expect(again.body.deployments).toEqual(first.body.deployments);
    const deployment = await api.request('GET', `/v1/deployments/${first.body.deployments[0].id}`, { as: 'reader' });
    expect(deployment.body).toMatchObject({
      service: 'foas',
      version: '4.0.0',
      requestor: 'artifact:com.example:foas',
    });
    // Both registrations reached the deployment command; the workflow id made them one workflow.
    const ids = starts()
      .slice(before)
      .map((s) => s.workflowId);
    expect(new Set(ids).size).toBe(1);
    const listed = await api.request('GET', '/v1/deployments?service=foas', { as: 'reader' });
    expect(listed.body.deployments.filter((d: { version: string }) => d.version === '4.0.0')).toHaveLength(1);
  });

  it('reads a JSON body whatever its content type says', async () => {
    const res = await api.request('POST', '/v1/artifacts', {
      body: JSON.stringify({ service: 'search', version: '2.2.0' }),
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
      [{ service: 'checkout', version: '1', digest: 'md5:abc' }, 'digest'],
      [{ service: 'checkout', version: '1', commit: false }, 'commit'],
      [{ service: 'checkout', version: 'v'.repeat(256) }, 'version'],
      [{ service: 'checkout', version: '1', sourceUrl: 'ftp://x' }, 'sourceUrl'],
      [{ module: 'com.example:unknown', version: '1' }, 'module'],
      [{ service: 'checkout', module: 'com.example:foas', version: '1' }, 'module'],
      [{ module: 'a:b:c', version: '1' }, 'module'],
      ['{', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/v1/artifacts', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid', field });
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
