// The Octopush-compatible routes with app.request(): every answer is 200 with Octopush's JSON, byte
// for byte, errors included. A real database; Temporal faked (requests start the deployment
// workflow; Go Live, cancel and results are its Updates).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../db/tokens.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  // hotfix is in Octopush's direct-to-live list, with one approver.
  api = await startApiHarness({
    configYaml: `direct-to-live: [hotfix]
${defaultConfigYaml}  hotfix: { group: 3, approvers: [lead], deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
`,
  });
});
afterAll(async () => api?.close());

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('the Octopush-compatible routes', () => {
  it('creates a job from form fields and reports its status', async () => {
    const created = await api.request('POST', '/jobs/create', {
      as: 'requester',
      ...form({ module: 'checkout', version: '1.0.0', requestor: 'https://ci/job/7/' }),
    });
    expect(created.status).toBe(200);
    expect(created.text).toBe('{"status":"success","message":"Job inserted in queue","job_id":1}');
    expect(api.temporal.callsOf('start')).toEqual([expect.objectContaining({ name: 'deployment' })]);
    expect((await api.request('GET', '/jobs/1/status', { as: 'reader' })).text).toBe(
      '{"job_status":"QUEUED","job_id":"1"}',
    );
    expect((await api.request('GET', '/status/1', { as: 'reader' })).text).toBe('{"job_status":"QUEUED","job_id":"1"}');
  });

  it("answers errors with 200 and Octopush's messages", async () => {
    const unknown = await api.request('POST', '/jobs/create', {
      as: 'requester',
      ...form({ module: 'nope', version: '1' }),
    });
    expect(unknown).toMatchObject({
      status: 200,
      text: '{"status":"error","message":"nope is not a valid module to push."}',
    });
    expect((await api.request('POST', '/jobs/create', { as: 'requester', body: { module: 'checkout' } })).text).toBe(
      '{"status":"error","message":"version is required"}',
    );
    expect((await api.request('GET', '/jobs/99/status', { as: 'reader' })).text).toBe(
      '{"status":"error","message":"Problems trying to get job status","detail":"job 99 not found"}',
    );
    const anonymous = await api.request('POST', '/jobs/create', {
      as: null,
      ...form({ module: 'checkout', version: '1' }),
    });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatchObject({
      status: 'error',
      message: expect.stringContaining('a valid API token is required'),
    });
    expect(
      (await api.request('GET', '/environments/qa/modules/checkout/versions/1/push', { as: 'requester' })).text,
    ).toBe('{"status":"error","message":"qa is not a valid environment."}');
  });

  it("registers the test job URL and result through the workflow's Updates", async () => {
    const url = await api.request('POST', '/jobs/1/register_test_job_url', {
      as: 'reporter',
      ...form({ test_job_url: 'https://ci/job/t/3/' }),
    });
    expect(url.text).toBe('{"status":"success","message":"Test job url registerd"}');
    const result = await api.request('POST', '/jobs/1/register_test_job_result', {
      as: 'reporter',
      ...form({ success: 'true' }),
    });
    expect(result.text).toBe('{"status":"success","message":"Test result registered"}');
    expect(api.temporal.callsOf('executeUpdate').map((c) => c.name)).toEqual(['registerTestJobUrl', 'reportTests']);
    const refused = await api.request('POST', '/jobs/1/register_test_job_url', {
      as: 'reader',
      ...form({ test_job_url: 'https://ci/job/t/4/' }),
    });
    expect(refused.body).toEqual({
      status: 'error',
      message: 'Problems trying to register Test job url',
      detail: 'this token lacks the scope deploy:report (or deploy:report:checkout)',
    });
  });

  it("goes live with deploy:approve and refuses others with Octopush's message", async () => {
    const refused = await api.request('GET', '/jobs/1/golive', { as: 'requester' });
    expect(refused.text).toBe(
      '{"job_status":"QUEUED","job_id":"1","status":"Error","message":"The job is not in a valid status to go live or you don\'t have permissions to do this action"}',
    );
    expect((await api.request('GET', '/jobs/1/golive', { as: 'approver' })).text).toBe(
      '{"job_status":"QUEUED","job_id":"1"}',
    );
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({ name: 'approve' });
  });

  it('cancels a queued job for its requester', async () => {
    expect((await api.request('GET', '/jobs/1/cancel', { as: 'requester' })).text).toBe(
      '{"job_status":"QUEUED","job_id":"1"}',
    );
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      name: 'cancel',
      args: [{ actor: 'requester', octopushRules: true }],
    });
  });

  it("lists jobs in Octopush's buckets and key order", async () => {
    const [job] = (await api.request('GET', '/staging/queued', { as: 'reader' })).body;
    expect(Object.keys(job)).toEqual([
      'job_id',
      'module',
      'version',
      'status',
      'environment',
      'requestor',
      'queue_date',
      'updated_at',
      'deployment_job_id',
      'live_job_id',
      'test_job_url',
      '_buildJobUrl',
      '_deployJobUrl',
      '_deployLiveJobUrl',
      '_canGoLive',
      '_canRollback',
      '_canCancel',
    ]);
    expect(job).toMatchObject({ job_id: 1, module: 'checkout', status: 'QUEUED', _buildJobUrl: 'https://ci/job/7/' });
    const all = (await api.request('GET', '/all', { as: 'reader' })).body;
    expect(Object.keys(all)).toEqual([
      'preprodQueue',
      'preprodInprogress',
      'preprodDeployed',
      'prodQueue',
      'prodInprogress',
      'prodDeployed',
    ]);
    expect((await api.request('GET', '/deploying', { as: 'reader' })).text).toBe(
      '{"status":"Idle","module":"-","version":"-"}',
    );
  });

  it('pauses and resumes with the single switch (admin only)', async () => {
    expect((await api.request('GET', '/status', { as: 'reader' })).text).toBe('ON');
    expect((await api.request('GET', '/pause', { as: 'approver' })).body).toEqual({
      result: 'ERROR',
      message: 'this token lacks the scope admin',
    });
    expect((await api.request('GET', '/pause')).text).toBe('{"result":"SUCCESS","message":"The service is paused"}');
    expect((await api.request('GET', '/status', { as: 'reader' })).text).toBe('OFF');
    expect((await api.request('GET', '/resume')).text).toBe('{"result":"SUCCESS","message":""}');
  });

  it('reports health as text', async () => {
    const res = await api.request('GET', '/health', { as: null });
    expect(res).toMatchObject({ status: 200, text: 'Status: Ok\nVersion: test' });
  });

  it("checks the scopes for the job's module, and approve rights for a direct-to-live module", async () => {
    const tokenOf = async (name: string, scopes: string[]) => ({
      token: (await createToken(api.database.db, name, scopes, 'test')).token,
    });
    const refusedLive = {
      status: 'error',
      message: 'this token lacks the scope deploy:approve (or deploy:approve:hotfix)',
    };
    expect(
      (await api.request('POST', '/jobs/create', { as: 'requester', ...form({ module: 'hotfix', version: '2' }) }))
        .body,
    ).toEqual(refusedLive);
    expect(
      (await api.request('GET', '/environments/prod/modules/hotfix/versions/2/push', { as: 'requester' })).body,
    ).toEqual(refusedLive);
    const lead = await tokenOf('lead', ['deploy:request:hotfix', 'deploy:approve:hotfix']);
    const created = await api.request('POST', '/jobs/create', {
      as: lead,
      ...form({ module: 'hotfix', version: '2' }),
    });
    expect(created.body).toMatchObject({ status: 'success', message: 'Job inserted in queue' });
    const id = String(created.body.job_id);
    const mallory = await tokenOf('mallory', ['deploy:request', 'deploy:approve']);
    expect((await api.request('GET', `/jobs/${id}/rollback`, { as: mallory })).body).toEqual({
      status: 'error',
      message: 'Problems trying to rollback the job',
      detail: 'mallory is not an approver of hotfix (approvers: lead)',
    });

    const checkoutReporter = await tokenOf('checkout-tests', ['deploy:report:checkout']);
    expect(
      (
        await api.request('POST', `/jobs/${id}/register_test_job_result`, {
          as: checkoutReporter,
          ...form({ success: 'true' }),
        })
      ).body,
    ).toEqual({
      status: 'error',
      message: 'Problems trying to register Test result',
      detail: 'this token lacks the scope deploy:report (or deploy:report:hotfix)',
    });
    expect(api.temporal.callsOf('executeUpdate').filter((c) => c.workflowId === created.body.id)).toEqual([]);
    // Cancel: the caller's scopes for the module go to the workflow, which decides.
    await api.request('GET', `/jobs/${id}/cancel`, { as: lead });
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      name: 'cancel',
      args: [{ actor: 'lead', octopushRules: true, scopes: ['deploy:request', 'deploy:approve'] }],
    });
  });
});
