// The Octopush flow as a dev Jenkins drives it: form posts and GETs, compact JSON, HTTP 200 always.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Stack } from '../support/stack.js';
import { startJenkinsStack } from '../support/jenkins-stack.js';
import type { FakeJenkins } from '../fakes/jenkins.js';

let stack: Stack;
let fake: FakeJenkins;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, fake, close } = await startJenkinsStack({
    checkout: { group: 1, approvers: ['alice', 'admin'] },
    search: { group: 2 },
  }));
});
afterAll(async () => close());

async function form(path: string, fields: Record<string, string>, token?: string) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}
const get = async (path: string) => {
  const res = await fetch(`${stack.url}${path}`);
  return { status: res.status, text: await res.text() };
};
const statusOf = async (id: string) => JSON.parse((await get(`/jobs/${id}/status`)).text).job_status as string;

describe('Octopush-compatible flow', () => {
  it('create → poll → test url → test result → Go Live → GO_LIVE_DONE, with Octopush wire shapes', async () => {
    const created = await form('/jobs/create', {
      module: 'checkout',
      version: '1.4.2',
      requestor: 'https://dev-jenkins/job/checkout/88/',
      access_token: stack.tokens.requester,
    });
    expect(created.status).toBe(200);
    expect(created.text).toMatch(/^\{"status":"success","message":"Job inserted in queue","job_id":\d+\}$/);
    // What real scripts do: cut -d: -f4 | sed 's/}//'
    const id = created.text.split(':')[3]!.replace('}', '');
    expect(Number(id)).toBeGreaterThan(0);

    await eventually(async () => (await statusOf(id)) === 'PENDING_TESTS', 'PENDING_TESTS');
    expect((await get(`/jobs/${id}/status`)).text).toBe(`{"job_status":"PENDING_TESTS","job_id":"${id}"}`);
    expect((await get(`/status/${id}`)).text).toBe(`{"job_status":"PENDING_TESTS","job_id":"${id}"}`);

    const url = await form(`/jobs/${id}/register_test_job_url`, {
      test_job_url: 'https://dev-jenkins/job/checkout-tests/12/',
      access_token: stack.tokens.reporter,
    });
    expect(url.text).toBe('{"status":"success","message":"Test job url registerd"}');
    const result = await form(`/jobs/${id}/register_test_job_result`, {
      success: 'true',
      access_token: stack.tokens.reporter,
    });
    expect(result.text).toBe('{"status":"success","message":"Test result registered"}');
    expect(await statusOf(id)).toBe('TESTS_PASSED');

    const golive = await get(`/jobs/${id}/golive?access_token=${stack.tokens.approver}`);
    expect(golive.text).toBe(`{"job_status":"QUEUED_FOR_LIVE","job_id":"${id}"}`);
    await eventually(async () => (await statusOf(id)) === 'GO_LIVE_DONE', 'GO_LIVE_DONE');

    const builds = fake.builds('release/deploy-checkout');
    expect(builds.map((b) => b.params.ENVIRONMENT)).toEqual(['preprod', 'live']);
    expect(builds.every((b) => b.params.COMPONENT === 'checkout' && b.params.VERSION === '1.4.2')).toBe(true);

    const detail = (await stack.call('GET', `/v1/deployments/${id}`)).body;
    expect(detail.testJobUrl).toBe('https://dev-jenkins/job/checkout-tests/12/');
    expect(detail.links.temporal).toContain(encodeURIComponent(detail.id));
    expect(detail.links.jenkins.map((j: { environment: string }) => j.environment)).toEqual(['preprod', 'live']);
    expect(detail.transitions.map((t: { to: string }) => t.to)).toEqual([
      'QUEUED',
      'DEPLOYING',
      'PENDING_TESTS',
      'TESTS_PASSED',
      'QUEUED_FOR_LIVE',
      'GOING_LIVE',
      'GO_LIVE_DONE',
    ]);
    expect(detail.transitions.find((t: { to: string }) => t.to === 'QUEUED_FOR_LIVE').actor).toBe('alice');

    const listed = JSON.parse((await get('/all')).text);
    expect(Object.keys(listed)).toEqual([
      'preprodQueue',
      'preprodInprogress',
      'preprodDeployed',
      'prodQueue',
      'prodInprogress',
      'prodDeployed',
    ]);
    const job = listed.prodDeployed.find((j: { job_id: number }) => j.job_id === Number(id));
    expect(Object.keys(job).slice(0, 11)).toEqual([
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
    ]);
    expect(job._buildJobUrl).toBe('https://dev-jenkins/job/checkout/88/');
    expect(job._deployLiveJobUrl).toMatch(/\/job\/release\/job\/deploy-checkout\/2\/$/);
  });

  it('Go Live is refused without the approve scope, and for a name not among the approvers', async () => {
    const created = JSON.parse(
      (
        await form('/jobs/create', {
          module: 'search',
          version: '2.0.0',
          requestor: 'https://dev-jenkins/job/search/1/',
          access_token: stack.tokens.requester,
        })
      ).text,
    );
    const id = String(created.job_id);
    await eventually(async () => (await statusOf(id)) === 'PENDING_TESTS', 'PENDING_TESTS');
    await form(`/jobs/${id}/register_test_job_result`, { success: 'true', access_token: stack.tokens.reporter });

    const refused = await get(`/jobs/${id}/golive?access_token=${stack.tokens.reporter}`);
    expect(refused.status).toBe(200);
    expect(refused.text).toBe(
      `{"job_status":"TESTS_PASSED","job_id":"${id}","status":"Error","message":"The job is not in a valid status to go live or you don't have permissions to do this action"}`,
    );
    const anonymous = await get(`/jobs/${id}/golive`);
    expect(JSON.parse(anonymous.text).status).toBe('Error');
    const native = await stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.reporter });
    expect(native.status).toBe(403);
    expect(native.body.error.message).toContain('deploy:approve');
    expect(await statusOf(id)).toBe('TESTS_PASSED');
  });

  it('refuses a Go Live from a name the service does not list as approver', async () => {
    const created = await stack.call('POST', '/v1/deployments', {
      token: stack.tokens.requester,
      body: { service: 'checkout', version: '1.5.0' },
    });
    const id = created.body.id as string;
    await eventually(
      async () => (await stack.call('GET', `/v1/deployments/${id}`)).body.state === 'PENDING_TESTS',
      'PENDING_TESTS',
    );
    await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    const { token } = (
      await stack.call('POST', '/v1/tokens', { body: { name: 'mallory', scopes: ['deploy:approve:checkout'] } })
    ).body;
    const refused = await stack.call('POST', `/v1/deployments/${id}/approve`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('mallory is not an approver of checkout (approvers: alice, admin)');
  });

  it('rolls back: Octopush redeploys a live job straight to live; native goes back to the previous live version', async () => {
    const live = await stack.call('GET', '/v1/deployments?service=checkout&state=GO_LIVE_DONE');
    const first = live.body.deployments[0];
    const second = await stack.call('POST', '/v1/deployments', {
      token: stack.tokens.requester,
      body: { service: 'checkout', version: '1.6.0' },
    });
    const id = second.body.id as string;
    await eventually(
      async () => (await stack.call('GET', `/v1/deployments/${id}`)).body.state === 'PENDING_TESTS',
      'PENDING_TESTS',
      60_000,
    );
    await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    await stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.approver });
    await eventually(
      async () => (await stack.call('GET', `/v1/deployments/${id}`)).body.state === 'GO_LIVE_DONE',
      'GO_LIVE_DONE',
    );

    const refused = await stack.call('POST', `/v1/deployments/${first.id}/rollback`, { token: stack.tokens.approver });
    expect(refused.status).toBe(409);
    const back = await stack.call('POST', `/v1/deployments/${id}/rollback`, { token: stack.tokens.approver });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ service: 'checkout', version: first.version, rollbackOf: id });
    const again = await stack.call('POST', `/v1/deployments/${id}/rollback`, { token: stack.tokens.approver });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(back.body.id);
    await eventually(
      async () => (await stack.call('GET', `/v1/deployments/${back.body.id}`)).body.state === 'GO_LIVE_DONE',
      'rollback live',
    );

    const octo = JSON.parse((await get(`/jobs/${first.number}/rollback?access_token=${stack.tokens.approver}`)).text);
    expect(octo).toMatchObject({ status: 'success', message: 'Job inserted in queue' });
    const rolled = (await stack.call('GET', `/v1/deployments/${octo.job_id}`)).body;
    expect(rolled).toMatchObject({ version: first.version, rollbackOf: first.id });
    expect(['QUEUED_FOR_LIVE', 'GOING_LIVE', 'GO_LIVE_DONE']).toContain(rolled.state);
    expect(JSON.parse((await get(`/jobs/${id}/rollback`)).text).status).toBe('error');
  });

  it('answers the Octopush service routes', async () => {
    expect((await get('/run')).text).toBe('{"result":"SUCCESS","message":""}');
    expect((await get('/status')).text).toBe('ON');
    expect((await get('/health')).text).toBe('Status: Ok\nVersion: test');
    expect(JSON.parse((await get('/deploying')).text)).toHaveProperty('status');
    expect((await get('/jobs/999999/status')).text).toMatch(
      /^\{"status":"error","message":"Problems trying to get job status","detail":/,
    );
    expect(
      (await form('/jobs/create', { module: 'nope', version: '1', access_token: stack.tokens.requester })).text,
    ).toBe('{"status":"error","message":"nope is not a valid module to push."}');
    expect(JSON.parse((await get('/environments/qa/modules/checkout/versions/1/push')).text)).toEqual({
      status: 'error',
      message: 'qa is not a valid environment.',
    });
    expect((await get('/no/such/route/here')).status).toBe(404);
  });
});
