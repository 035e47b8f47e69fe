// The demo configuration, as `npm start` runs it: deployers are containers on the real Docker engine.
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitForState, type Stack } from '../support/stack.js';

let stack: Stack;
const failing = `
  broken:
    group: 9
    deploy:
      "*": { type: docker, image: slipway/step:busybox, command: 'echo "cannot reach $ENVIRONMENT" >&2; exit 3' }
`;

beforeAll(async () => {
  stack = await startStack({ configYaml: readFileSync('slipway.demo.yml', 'utf8') + failing });
});
afterAll(async () => stack.close());

it('deploys the demo service through pre-prod and live in containers', async () => {
  const { body } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '3.1.0' },
  });
  const pending = await waitForState(stack, body.id, 'PENDING_TESTS');
  expect(pending.environments[0]).toMatchObject({ state: 'deployed', message: 'deploy container exited with 0' });
  expect(pending.environments[0].output).toContain('deploying checkout 3.1.0 to preprod');
  await stack.call('POST', `/v1/deployments/${body.id}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: true },
  });
  await stack.call('POST', `/v1/deployments/${body.id}/approve`);
  const live = await waitForState(stack, body.id, 'GO_LIVE_DONE');
  expect(live.environments[1].output).toContain('deploying checkout 3.1.0 to live');
  const left = await new Docker().listContainers({ all: true, filters: { label: [`slipway.deployment=${body.id}`] } });
  expect(left).toEqual([]);
});

it('marks a failing deploy container DEPLOY_FAILED with its output', async () => {
  const { body } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'broken', version: '1.0.0' },
  });
  const failed = await waitForState(stack, body.id, 'DEPLOY_FAILED');
  expect(failed.outcome).toEqual({ status: 'failed', message: 'deploy container exited with 3' });
  expect(failed.environments[0].output).toContain('cannot reach preprod');
});

it('sends a direct-to-live service straight to live without a Go Live, on approve rights only', async () => {
  // The request is its own Go Live: deploy:request alone is refused (README, "Security model").
  const refused = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'hotfix-banner', version: '0.0.9' },
  });
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('deploy:approve');
  const { body } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.admin,
    body: { service: 'hotfix-banner', version: '0.0.9' },
  });
  expect(body.state).toBe('QUEUED_FOR_LIVE');
  const live = await waitForState(stack, body.id, 'GO_LIVE_DONE');
  expect(live.environments.map((e: { environment: string; state: string }) => [e.environment, e.state])).toEqual([
    ['live', 'deployed'],
  ]);
});
