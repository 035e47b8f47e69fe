// /v1/builds/{id} with app.request(): a real database, Temporal faked (cancel is an Update).
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
let build: { id: string; number: number };
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `${defaultConfigYaml}  release: { group: 3, deploy: { "*": { type: job, job: deploy/release } } }\n`,
  });
  const job = {
    title: 'ci',
    parameters: [{ title: 'TARGET' }, { title: 'TOKEN', secret: true }],
    stages: [{ title: 's', steps: [{ title: 't', command: 'echo hi' }] }],
  };
  await api.request('PUT', '/v1/jobs/team/ci', { body: job });
  build = (
    await api.request('POST', '/v1/jobs/team/ci/builds', { body: { parameters: { TARGET: 'eu', TOKEN: 'first' } } })
  ).body;
});
afterAll(async () => api?.close());

describe('/v1/builds/{id}', () => {
  it('shows a build with its links', async () => {
    const res = await api.request('GET', `/v1/builds/${build.id}`, { as: 'reader' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: build.id,
      job: 'team/ci',
      status: 'queued',
      links: { log: `/v1/builds/${build.id}/log` },
    });
    expect((await api.request('GET', '/v1/builds/bld-none', { as: 'reader' })).status).toBe(404);
    expect((await api.request('GET', `/v1/builds/${build.id}`, { as: null })).status).toBe(401);
  });

  it("cancels through the build workflow's Update, and answers 409 when it refuses", async () => {
    const res = await api.request('POST', `/v1/builds/${build.id}/cancel`, { as: 'builder' });
    expect(res.status).toBe(200);
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      workflowId: build.id,
      name: 'cancelBuild',
      args: [{ actor: 'builder' }],
    });
    api.temporal.answerUpdate('cancelBuild', () => {
      throw new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ message: 'the build has finished' }));
    });
    const refused = await api.request('POST', `/v1/builds/${build.id}/cancel`, { as: 'builder' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('the build has finished');
    api.temporal.answerUpdate('cancelBuild', () => {
      throw new WorkflowNotFoundError('gone', build.id, undefined);
    });
    expect((await api.request('POST', `/v1/builds/${build.id}/cancel`, { as: 'builder' })).body.error.message).toBe(
      `build #${build.number} is already queued`,
    );
  });

  it('needs build:run to cancel or rebuild', async () => {
    expect((await api.request('POST', `/v1/builds/${build.id}/cancel`, { as: null })).status).toBe(401);
    expect((await api.request('POST', `/v1/builds/${build.id}/cancel`, { as: 'reader' })).status).toBe(403);
    expect((await api.request('POST', `/v1/builds/${build.id}/rebuild`, { as: 'requester', body: {} })).status).toBe(
      403,
    );
    expect((await api.request('POST', '/v1/builds/bld-none/cancel', { as: 'builder' })).status).toBe(404);
  });

  it('rebuilds with the same parameters except secrets, which must be given again', async () => {
    const res = await api.request('POST', `/v1/builds/${build.id}/rebuild`, {
      as: 'builder',
      body: { parameters: { TOKEN: 'again' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: build.number + 1, rebuildOf: build.id, parameters: { TARGET: 'eu' } });
    expect((await api.request('POST', `/v1/builds/${build.id}/rebuild`, { as: 'builder' })).status).toBe(201);
    const bad = await api.request('POST', `/v1/builds/${build.id}/rebuild`, {
      as: 'builder',
      body: { parameters: { TOKEN: true } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('parameters.TOKEN');
  });

  it("refuses to rebuild a deploy job's build for a build:run token, with the reason; an admin may", async () => {
    const job = { title: 'deploy', stages: [{ title: 's', steps: [{ title: 't', command: 'echo hi' }] }] };
    await api.request('PUT', '/v1/jobs/deploy/release', { body: job });
    const deployBuild = (await api.request('POST', '/v1/jobs/deploy/release/builds', { body: {} })).body;
    const refused = await api.request('POST', `/v1/builds/${deployBuild.id}/rebuild`, { as: 'builder', body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      'job deploy/release deploys service release; it runs only through a deployment',
    );
    expect((await api.request('GET', '/v1/jobs/deploy/release/builds', { as: 'reader' })).body.builds).toHaveLength(1);
    expect((await api.request('POST', `/v1/builds/${deployBuild.id}/rebuild`, { body: {} })).status).toBe(201);
  });
});
