// DeployDB's /api with app.request(): shapes and status codes (docs/deploydb-api.md).
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { answerOutsideReports, awaitingOutsideDeployer } from '../../test/support/outside-reports.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
environments: { integ: {}, prod: { concurrency: exclusive } }
pipeline: [integ, prod]
services:
  foas:
    artifacts: ["com.example:foas", "com.example:puppet-foas"]
    deploy: { "*": { type: external, timeout: 2h } }
  checkout: { pipeline: [prod], deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
`,
  });
  answerOutsideReports(api);
});
afterAll(async () => api?.close());

const post = (version: string, extra: Record<string, unknown> = {}) =>
  api.request('POST', '/api/artifacts', {
    as: 'requester',
    body: { group: 'com.example', name: 'foas', version, sourceUrl: 'https://git.example/foas', ...extra },
  });

describe('/api/artifacts', () => {
  it('creates (201, Location) in DeployDB shape; the same artifact again is 200, another under its version 409', async () => {
    const res = await post('1.0.0');
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/artifacts/${res.body.id}`);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'group', 'id', 'name', 'sourceUrl', 'version']);
    expect(res.body).toMatchObject({
      group: 'com.example',
      name: 'foas',
      version: '1.0.0',
      sourceUrl: 'https://git.example/foas',
    });
    expect((await post('1.0.0')).status).toBe(200);
    expect((await post('1.0.0', { sourceUrl: 'https://git.example/other' })).status).toBe(409);
    const read = await api.request('GET', `/api/artifacts/${res.body.id}`, { as: 'reader' });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('lists a module newest first, a page at a time, and its latest', async () => {
    for (const v of ['1.1.0', '1.2.0', '1.3.0']) expect((await post(v)).status).toBe(201);
    const page = await api.request('GET', '/api/artifacts/by-module/com.example:foas?perPageSize=2', { as: 'reader' });
    expect(page.status).toBe(200);
    expect(page.body.map((a: { version: string }) => a.version)).toEqual(['1.3.0', '1.2.0']);
    const next = await api.request('GET', '/api/artifacts/by-module/com.example:foas?perPageSize=2&pageNumber=1', {
      as: 'reader',
    });
    expect(next.body.map((a: { version: string }) => a.version)).toEqual(['1.1.0', '1.0.0']);
    const beyond = await api.request('GET', '/api/artifacts/by-module/com.example:foas?pageNumber=9', { as: 'reader' });
    expect(beyond.status).toBe(404);
    const latest = await api.request('GET', '/api/artifacts/by-module/com.example:foas/latest', { as: 'reader' });
    expect(latest.body.version).toBe('1.3.0');
    expect((await api.request('GET', '/api/artifacts/latest', { as: 'reader' })).body.version).toBe('1.3.0');
    expect((await api.request('GET', '/api/artifacts/by-module/com.example:nothing', { as: 'reader' })).status).toBe(
      404,
    );
    expect(
      (await api.request('GET', '/api/artifacts/by-module/com.example:nothing/latest', { as: 'reader' })).status,
    ).toBe(404);
  });

  it('answers 400 to a malformed id, module or paging, 404 to an unknown id', async () => {
    for (const path of [
      '/api/artifacts/abc',
      '/api/artifacts/0',
      '/api/artifacts/by-module/foas',
      '/api/artifacts/by-module/com.example:foas?perPageSize=0',
      '/api/artifacts/by-module/com.example:foas?perPageSize=101',
      '/api/artifacts/by-module/com.example:foas?pageNumber=-1',
      '/api/artifacts?perPageSize=x',
    ]) {
      const res = await api.request('GET', path, { as: 'reader' });
      expect(res.status, path).toBe(400);
      expect(res.body.code, path).toBe(400);
    }
    const missing = await api.request('GET', '/api/artifacts/999999', { as: 'reader' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 404, message: 'artifact 999999 not found' });
  });

  it('answers 422 naming an invalid or over-long field, 400 to a body that is not JSON', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ group: 'g', name: 'foas' }, 'version'],
      [{ group: 'g', name: 'foas', version: '' }, 'version'],
      [{ group: 'g', name: 'foas', version: 'v'.repeat(256) }, 'version'],
      [{ name: 'foas', version: '1' }, 'group'],
      [{ group: 'g'.repeat(8193), name: 'foas', version: '1' }, 'group'],
      [{ group: 'a:b', name: 'foas', version: '1' }, 'group'],
      [{ group: 'com.example', name: 7, version: '1' }, 'name'],
      [{ group: 'com.example', name: 'foas', version: '1', sourceUrl: 's'.repeat(8193) }, 'sourceUrl'],
      [{ group: 'com.example', name: 'unknown', version: '1' }, 'module'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/api/artifacts', { body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body).toMatchObject({ code: 422, field });
      expect(res.body.errors[0]).toContain(field);
    }
    expect((await api.request('POST', '/api/artifacts', { body: '{' })).status).toBe(400);
  });

  it('is immutable: PUT, PATCH and DELETE are 405', async () => {
    const { body } = await post('2.0.0');
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await api.request(method, `/api/artifacts/${body.id}`, { body: { version: '3' } });
      expect(res.status, method).toBe(405);
    }
    expect((await api.request('DELETE', '/api/artifacts', {})).status).toBe(405);
  });

  it('produces JSON only (406 otherwise) and needs a token and its scopes', async () => {
    const html = await api.request('GET', '/api/artifacts/latest', { as: 'reader', headers: { accept: 'text/html' } });
    expect(html.status).toBe(406);
    for (const accept of [
      'application/json',
      '*/*',
      'application/vnd.deploydb.v1+json',
      'text/html, application/json;q=0.9',
    ])
      expect((await api.request('GET', '/api/artifacts/latest', { as: 'reader', headers: { accept } })).status).toBe(
        200,
      );
    expect((await api.request('GET', '/api/artifacts/latest', { as: null })).status).toBe(401);
    const denied = await api.request('POST', '/api/artifacts', {
      as: 'reader',
      body: { group: 'com.example', name: 'foas', version: '9' },
    });
    expect(denied.status).toBe(403);
  });
});

describe('/api/deployments', () => {
  let first: { id: string; number: number };
  let second: { id: string; number: number };
  beforeAll(async () => {
    expect((await api.request('GET', '/api/deployments', { as: 'reader' })).status).toBe(404);
    const request = (version: string) =>
      api.request('POST', '/v1/deployments', { as: 'requester', body: { service: 'foas', version } });
    first = (await request('1.0.0')).body;
    second = (await request('1.1.0')).body;
    await awaitingOutsideDeployer(api, first.id);
  });

  it('lists oldest first with paging, reads one and the latest, in DeployDB shape', async () => {
    const list = await api.request('GET', '/api/deployments?perPageSize=1', { as: 'reader' });
    expect(list.status).toBe(200);
    expect(list.body.map((d: { id: number }) => d.id)).toEqual([first.number]);
    const page2 = await api.request('GET', '/api/deployments?perPageSize=1&pageNumber=1', { as: 'reader' });
    expect(page2.body.map((d: { id: number }) => d.id)).toEqual([second.number]);
    const one = await api.request('GET', `/api/deployments/${first.number}`, { as: 'reader' });
    expect(one.status).toBe(200);
    expect(Object.keys(one.body).sort()).toEqual([
      'artifact',
      'createdAt',
      'environment',
      'id',
      'promotions',
      'service',
      'status',
    ]);
    expect(one.body).toMatchObject({
      id: first.number,
      environment: 'integ',
      service: 'foas',
      status: 'CREATED',
      promotions: [],
      // The artifact registered above: the service's module with this version.
      artifact: { group: 'com.example', name: 'foas', version: '1.0.0' },
    });
    const latest = await api.request('GET', '/api/deployments/latest', { as: 'reader' });
    expect(latest.body).toMatchObject({ id: second.number, status: 'CREATED' });
    expect((await api.request('GET', '/api/deployments/x1', { as: 'reader' })).status).toBe(400);
    expect((await api.request('GET', '/api/deployments/99999', { as: 'reader' })).status).toBe(404);
    expect((await api.request('GET', '/api/deployments?pageNumber=a', { as: 'reader' })).status).toBe(400);
  });

  it('PATCH moves an outside deployer CREATED → STARTED → COMPLETED; anything else is 406', async () => {
    const patch = (number: number, status: unknown, as: 'reporter' | 'reader' = 'reporter') =>
      api.request('PATCH', `/api/deployments/${number}`, { as, body: { status } });
    const started = await patch(first.number, 'STARTED');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ id: first.number, status: 'STARTED' });
    expect((await patch(first.number, 'STARTED')).status).toBe(200);
    // The second deployment has not reached its deployer: nothing to move.
    expect((await patch(second.number, 'COMPLETED')).status).toBe(406);
    expect((await patch(first.number, 'CREATED')).status).toBe(422);
    expect((await patch(first.number, 'DONE')).status).toBe(422);
    expect((await patch(first.number, 'COMPLETED', 'reader')).status).toBe(403);
    const completed = await patch(first.number, 'COMPLETED');
    expect(completed.body.status).toBe('COMPLETED');
    const back = await patch(first.number, 'STARTED');
    expect(back.status).toBe(406);
    expect(back.body.message).toContain('COMPLETED → STARTED');
    const native = await api.request('GET', `/v1/deployments/${first.id}`, { as: 'reader' });
    expect(native.body.environments[0].external).toMatchObject({ status: 'COMPLETED', by: 'reporter' });
  });

  it('takes promotion results (201) through the reportPromotion Update; refusals are 406', async () => {
    api.temporal.answerUpdate('reportPromotion', () => ({ duplicate: false }));
    const res = await api.request('POST', `/api/deployments/${first.number}/promotions`, {
      as: 'reporter',
      body: { name: 'smoke', status: 'SUCCESS', infoUrl: 'https://ci.example/smoke/1' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ promotion: 'smoke', status: 'SUCCESS', infoUrl: 'https://ci.example/smoke/1' });
    const sent = api.temporal.callsOf('executeUpdate').filter((c) => c.name === 'reportPromotion');
    expect(sent.at(-1)).toMatchObject({
      workflowId: first.id,
      args: [{ environment: 'integ', name: 'smoke', status: 'SUCCESS', passed: true, actor: 'reporter' }],
    });
    for (const body of [
      { name: 'smoke', status: 'MAYBE' },
      { status: 'SUCCESS' },
      { name: 'x', status: 'FAILED', infoUrl: 'nope' },
    ])
      expect(
        (await api.request('POST', `/api/deployments/${first.number}/promotions`, { as: 'reporter', body })).status,
      ).toBe(422);
    api.temporal.answerUpdate('reportPromotion', () => {
      throw new WorkflowUpdateFailedError(
        'refused',
        ApplicationFailure.create({ message: 'no promotion "smoke" waits' }),
      );
    });
    const refused = await api.request('POST', `/api/deployments/${first.number}/promotions`, {
      as: 'reporter',
      body: { name: 'smoke', status: 'FAILED' },
    });
    expect(refused.status).toBe(406);
  });

  it('never creates, replaces or deletes a deployment by hand (405)', async () => {
    expect((await api.request('POST', '/api/deployments', { body: {} })).status).toBe(405);
    expect((await api.request('PUT', `/api/deployments/${first.number}`, { body: {} })).status).toBe(405);
    expect((await api.request('DELETE', `/api/deployments/${first.number}`)).status).toBe(405);
  });

  it('shows flows: a deployment per environment reached', async () => {
    const flow = await api.request('GET', `/api/flows/${first.number}`, { as: 'reader' });
    expect(flow.status).toBe(200);
    expect(flow.body).toMatchObject({
      id: first.number,
      service: 'foas',
      artifact: { version: '1.0.0' },
      deployments: [{ id: first.number, environment: 'integ', status: 'COMPLETED' }],
    });
    const flows = await api.request('GET', '/api/flows', { as: 'reader' });
    expect(flows.body.map((f: { id: number }) => f.id)).toEqual([first.number, second.number]);
    expect((await api.request('GET', '/api/flows/abc', { as: 'reader' })).status).toBe(400);
    expect((await api.request('POST', '/api/flows', { body: {} })).status).toBe(405);
  });
});

describe('/api configuration resources', () => {
  it('shows environments, pipelines, promotions and services read-only', async () => {
    const envs = await api.request('GET', '/api/environments', { as: 'reader' });
    expect(envs.body).toEqual([
      { ident: 'integ', description: null, webhook: null },
      { ident: 'prod', description: null, webhook: null },
    ]);
    const pipelines = await api.request('GET', '/api/pipelines', { as: 'reader' });
    expect(pipelines.body.map((p: { ident: string }) => p.ident)).toEqual(['default', 'checkout']);
    expect((await api.request('GET', '/api/pipelines/default', { as: 'reader' })).body.environments).toEqual({
      integ: { promotions: ['tests', 'go-live'] },
      prod: { promotions: [] },
    });
    const service = await api.request('GET', '/api/services/foas', { as: 'reader' });
    expect(service.body).toEqual({
      ident: 'foas',
      description: null,
      artifacts: ['com.example:foas', 'com.example:puppet-foas'],
      pipelines: ['default'],
      promotions: ['tests', 'go-live'],
    });
    expect((await api.request('GET', '/api/promotions/tests', { as: 'reader' })).body.type).toBe('tests-reported');
    expect((await api.request('GET', '/api/services/nope', { as: 'reader' })).status).toBe(404);
    expect((await api.request('POST', '/api/services', { body: {} })).status).toBe(405);
    expect((await api.request('DELETE', '/api/environments/integ')).status).toBe(405);
  });
});
