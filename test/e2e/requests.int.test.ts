// Requests at the edge: idempotency under concurrency, bad input, and the Update answers.
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments } from '../../db/schema.js';
import { eventually, waitForState, type Stack } from '../support/stack.js';
import { startJenkinsStack } from '../support/jenkins-stack.js';
import type { FakeJenkins } from '../fakes/jenkins.js';

let stack: Stack;
let fake: FakeJenkins;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, fake, close } = await startJenkinsStack({ checkout: { group: 1 }, search: { group: 2 } }));
});
afterAll(async () => close());

const rows = async () => (await stack.database.db.select({ n: count() }).from(deployments))[0]!.n;
async function workflowsOnQueue(): Promise<number> {
  let n = 0;
  for await (const _ of stack.temporal.client.workflow.list({
    query: `TaskQueue = '${stack.taskQueue}' AND WorkflowType = 'deployment'`,
  }))
    n++;
  return n;
}

describe('requests', () => {
  it('20 concurrent identical requests make one deployment', async () => {
    const send = () =>
      stack.call('POST', '/v1/deployments', {
        token: stack.tokens.requester,
        body: { service: 'checkout', version: '7.0.0' },
        headers: { 'idempotency-key': 'jenkins-build-4411' },
      });
    const answers = await Promise.all(Array.from({ length: 20 }, send));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(19).fill(200), 201].sort());
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.number)).size).toBe(1);
    expect(await rows()).toBe(1);
    await waitForState(stack, answers[0]!.body.id, 'PENDING_TESTS');
    expect(await workflowsOnQueue()).toBe(1);
    expect(fake.builds('release/deploy-checkout')).toHaveLength(1);
    const octopush = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${stack.url}/jobs/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.requester}` },
          body: JSON.stringify({ module: 'search', version: '7.0.0', requestor: 'https://dev-jenkins/job/search/7/' }),
        }).then((r) => r.json() as Promise<{ job_id: number }>),
      ),
    );
    expect(new Set(octopush.map((o) => o.job_id)).size).toBe(1);
    // Free pre-prod for the next tests: both hold it until their result.
    await stack.call('POST', `/v1/deployments/${answers[0]!.body.id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: false },
    });
    await waitForState(stack, octopush[0]!.job_id, 'PENDING_TESTS');
    await stack.call('POST', `/v1/deployments/${octopush[0]!.job_id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: false },
    });
  });

  it('answers bad input with 4xx naming the field, and writes nothing', async () => {
    const before = await rows();
    const workflowsBefore = await workflowsOnQueue();
    const cases: Array<[unknown, string, number]> = [
      [{ version: '1.0.0' }, 'service', 400],
      [{ service: 'checkout' }, 'version', 400],
      [{ service: 'checkout', version: '' }, 'version', 400],
      [{ service: 'checkout', version: 'has spaces' }, 'version', 400],
      [{ service: 'checkout', version: 42 }, 'version', 400],
      [{ service: 'nope', version: '1.0.0' }, 'service', 400],
      [{ service: 'checkout', version: '1.0.0', environment: 'qa' }, 'environment', 400],
      [{ service: 'checkout', version: '1.0.0', extra: true }, 'extra', 400],
    ];
    for (const [body, field, status] of cases) {
      const res = await stack.call('POST', '/v1/deployments', { token: stack.tokens.requester, body });
      expect({ body, status: res.status, field: res.body?.error?.field }).toEqual({ body, status, field });
      expect(res.body.error.message).toContain(field);
    }
    const notJson = await stack.call('POST', '/v1/deployments', {
      token: stack.tokens.requester,
      body: '{"service":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(
      (await stack.call('POST', '/v1/deployments', { token: null, body: { service: 'checkout', version: '1.0.0' } }))
        .status,
    ).toBe(401);
    expect(
      (
        await stack.call('POST', '/v1/deployments', {
          token: 'slw_not-a-token',
          body: { service: 'checkout', version: '1.0.0' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await stack.call('POST', '/v1/deployments', {
          token: stack.tokens.reporter,
          body: { service: 'checkout', version: '1.0.0' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await stack.call('POST', '/v1/deployments', {
          token: stack.tokens.requester,
          body: { service: 'checkout', version: '1.0.0' },
          headers: { 'idempotency-key': 'x'.repeat(300) },
        })
      ).body.error.field,
    ).toBe('idempotency-key');
    expect(
      (
        await stack.call('POST', '/v1/deployments/999999/test-results', {
          token: stack.tokens.reporter,
          body: { passed: 'yes' },
        })
      ).body.error.field,
    ).toBe('passed');
    expect(
      (await stack.call('POST', '/v1/tokens', { body: { name: 'x', scopes: ['deploy:everything'] } })).body.error.field,
    ).toBe('scopes.0');
    expect((await stack.call('POST', '/v1/queue/pause', { body: { environment: 'qa' } })).body.error.field).toBe(
      'environment',
    );
    expect(await rows()).toBe(before);
    expect(await workflowsOnQueue()).toBe(workflowsBefore);
  });

  it('test results: unknown deployment 404, other version refused, duplicate acknowledged, finished gate refused', async () => {
    expect(
      (
        await stack.call('POST', '/v1/deployments/999999/test-results', {
          token: stack.tokens.reporter,
          body: { passed: true },
        })
      ).status,
    ).toBe(404);
    const created = await stack.call('POST', '/v1/deployments', {
      token: stack.tokens.requester,
      body: { service: 'search', version: '8.0.0' },
    });
    const id = created.body.id as string;
    const early = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    if (early.status === 409)
      expect(early.body.error.message).toMatch(/not waiting for test results \(status (QUEUED|DEPLOYING)\)/);
    await waitForState(stack, id, 'PENDING_TESTS');
    const other = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true, version: '8.0.1' },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe('this deployment is of search 8.0.0, not version 8.0.1');
    const first = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true, version: '8.0.0' },
    });
    expect(first.body).toMatchObject({
      duplicate: false,
      deployment: { state: 'TESTS_PASSED', waitingOn: { kind: 'approval' } },
    });
    const again = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    expect(again.body.duplicate).toBe(true);
    const flip = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: false },
    });
    expect(flip.status).toBe(409);
    expect(flip.body.error.message).toBe('tests were already reported as passed; a result cannot change');
    // The POST's answer is what the next GET shows.
    expect((await stack.call('GET', `/v1/deployments/${id}`)).body.state).toBe('TESTS_PASSED');
    const approved = await stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.approver });
    expect(approved.body.deployment.state).toBe('QUEUED_FOR_LIVE');
    expect(
      (await stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.approver })).body.duplicate,
    ).toBe(true);
    await waitForState(stack, id, 'GO_LIVE_DONE');
    const finished = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    expect(finished.body.duplicate).toBe(true);
    const finishedFlip = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: false },
    });
    expect(finishedFlip.status).toBe(409);
  });

  it('lists, filters and documents', async () => {
    const list = await stack.call('GET', '/v1/deployments?service=search&limit=5', { token: stack.tokens.reader });
    expect(list.status).toBe(200);
    expect(list.body.deployments.every((d: { service: string }) => d.service === 'search')).toBe(true);
    expect((await stack.call('GET', '/v1/deployments?limit=0')).body.error.field).toBe('limit');
    const services = (await stack.call('GET', '/v1/services')).body.services;
    expect(services.find((s: { name: string }) => s.name === 'search').versions).toEqual({
      preprod: '8.0.0',
      live: '8.0.0',
    });
    expect(JSON.stringify(services)).not.toContain(fake.token);
    const doc = (await stack.call('GET', '/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/deployments',
        '/deployments/{id}',
        '/deployments/{id}/test-results',
        '/deployments/{id}/approve',
        '/deployments/{id}/cancel',
        '/deployments/{id}/rollback',
        '/services',
        '/environments/{env}/queue',
        '/queue/pause',
        '/queue/resume',
        '/tokens',
      ]),
    );
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${stack.url}/readyz`)).json()).toEqual({ status: 'ready', problems: [] });
    const tokens = await stack.call('GET', '/v1/tokens');
    expect(tokens.text).not.toMatch(/slw_/);
    await eventually(async () => true, 'noop');
  });
});
