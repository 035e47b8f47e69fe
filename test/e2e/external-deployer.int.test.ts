// Deployers Slipway does not run, against a real Temporal: "artifact ready" (DeployDB's POST
// /api/artifacts) starts the pipeline, the outside deployer moves each environment with PATCH
// /api/deployments/:id, and the pipeline carries on from what it reports.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startStack, waitForState, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    configYaml: `
services:
  foas:
    artifacts: ["com.example:foas"]
    deployOnArtifact: true
    deploy: { "*": { type: external } }
  slow: { deploy: { "*": { type: external, timeout: 2s } } }
`,
  });
});
afterAll(async () => stack?.close());

const patch = (number: number, status: string) =>
  stack.call('PATCH', `/api/deployments/${number}`, { token: stack.tokens.reporter, body: { status } });

/** The deployment waits for its outside deployer in `environment`. */
const told = (id: string, environment: string) =>
  eventually(async () => {
    const { body } = await stack.call('GET', `/v1/deployments/${id}`);
    const env = body.environments.find((e: { environment: string }) => e.environment === environment);
    return env?.external?.status === 'CREATED' ? body : undefined;
  }, `${id} to wait for the outside deployer in ${environment}`);

it('registers an artifact, deploys it through outside reports and goes live', async () => {
  const created = await stack.call('POST', '/api/artifacts', {
    token: stack.tokens.requester,
    body: { group: 'com.example', name: 'foas', version: '2.4.0', sourceUrl: 'https://git.example/foas' },
  });
  expect(created.status).toBe(201);
  // The same artifact again starts nothing new.
  expect(
    (
      await stack.call('POST', '/api/artifacts', {
        token: stack.tokens.requester,
        body: { group: 'com.example', name: 'foas', version: '2.4.0', sourceUrl: 'https://git.example/foas' },
      })
    ).status,
  ).toBe(200);
  const listed = await stack.call('GET', '/v1/deployments?service=foas');
  expect(listed.body.deployments).toHaveLength(1);
  const { id, number } = listed.body.deployments[0];
  expect(listed.body.deployments[0].requestor).toBe('artifact:com.example:foas');

  await told(id, 'preprod');
  const waiting = await stack.call('GET', `/api/deployments/${number}`);
  expect(waiting.body).toMatchObject({
    id: number,
    environment: 'preprod',
    status: 'CREATED',
    artifact: { id: created.body.id, group: 'com.example', name: 'foas', version: '2.4.0' },
  });
  expect((await patch(number, 'STARTED')).body.status).toBe('STARTED');
  expect((await patch(number, 'COMPLETED')).body.status).toBe('COMPLETED');
  const pending = await waitForState(stack, id, 'PENDING_TESTS');
  expect(pending.environments[0]).toMatchObject({ state: 'deployed', external: { status: 'COMPLETED' } });
  expect(pending.environments[0].message).toMatch(/ reported COMPLETED$/);
  // COMPLETED is final: the workflow's validator refuses a step back.
  expect((await patch(number, 'STARTED')).status).toBe(406);

  await stack.call('POST', `/v1/deployments/${id}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: true },
  });
  await stack.call('POST', `/v1/deployments/${id}/approve`);
  await told(id, 'live');
  // DeployDB allows CREATED → COMPLETED directly.
  expect((await patch(number, 'COMPLETED')).status).toBe(200);
  await waitForState(stack, id, 'GO_LIVE_DONE');
  const flow = await stack.call('GET', `/api/flows/${number}`);
  expect(flow.body.deployments.map((d: { environment: string; status: string }) => [d.environment, d.status])).toEqual([
    ['preprod', 'COMPLETED'],
    ['live', 'COMPLETED'],
  ]);
});

it('fails the deploy on FAILED and errors it when nothing is reported in time', async () => {
  const failing = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'foas', version: '2.5.0' },
  });
  await told(failing.body.id, 'preprod');
  const report = await stack.call('POST', `/v1/deployments/${failing.body.id}/environments/preprod/status`, {
    token: stack.tokens.reporter,
    body: { status: 'FAILED', message: 'disk full' },
  });
  expect(report.status).toBe(200);
  const failed = await waitForState(stack, failing.body.id, 'DEPLOY_FAILED');
  expect(failed.outcome).toMatchObject({
    status: 'failed',
    message: expect.stringMatching(/ reported FAILED: disk full$/),
  });

  const silent = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'slow', version: '1.0.0' },
  });
  const errored = await waitForState(stack, silent.body.id, 'DEPLOY_FAILED');
  expect(errored.outcome).toEqual({
    status: 'errored',
    message: 'the outside deployer reported no result within 2s',
  });
});
