// A configuration reload in the middle of a deployment: the running deployment keeps the plan and
// version it was requested under (recorded on it), a new request takes the new configuration.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitForState, type Stack } from '../support/stack.js';

const deploy = `deploy: { "*": { type: docker, image: slipway/step:busybox, command: 'echo "deploying $VERSION to $ENVIRONMENT"' } }`;
const before = `
services:
  checkout: { group: 1, approvers: [alice], ${deploy} }
`;
// Another approver, and a named pipeline with a qa environment and a promotion before preprod.
const after = `
environments: { qa: {}, preprod: {}, live: { concurrency: exclusive } }
promotions: { signoff: { type: manual, approvers: [bob] } }
pipelines:
  gated:
    environments:
      - { environment: qa, promotions: [signoff] }
      - { environment: preprod }
      - { environment: live }
services:
  checkout: { group: 1, pipeline: gated, approvers: [bob], ${deploy} }
`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ configYaml: before });
});
afterAll(async () => stack?.close());

it('keeps a running deployment on its configuration version while new requests use the reloaded one', async () => {
  const v1 = (await stack.call('GET', '/v1/config', { token: stack.tokens.reader })).body.version;
  const { body: first } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '1.0.0' },
  });
  expect(first.configVersion).toBe(v1);
  await waitForState(stack, first.id, 'PENDING_TESTS');

  writeFileSync(stack.configFile, after);
  const reload = await stack.call('POST', '/v1/config/reload');
  expect(reload.status).toBe(200);
  const v2 = reload.body.version;
  expect(reload.body).toMatchObject({ changed: true, previousVersion: v1 });

  // The running deployment: its pipeline, its approvers (alice, whom the new file no longer names).
  await stack.call('POST', `/v1/deployments/${first.id}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: true },
  });
  await waitForState(stack, first.id, 'TESTS_PASSED');
  const approved = await stack.call('POST', `/v1/deployments/${first.id}/approve`, { token: stack.tokens.approver });
  expect(approved.status, approved.text).toBeLessThan(300);
  const live = await waitForState(stack, first.id, 'GO_LIVE_DONE');
  expect(live.configVersion).toBe(v1);
  expect(live.environments.map((e: { environment: string }) => e.environment)).toEqual(['preprod', 'live']);

  // A new request: the new pipeline and version.
  const { body: second } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '2.0.0' },
  });
  expect(second.configVersion).toBe(v2);
  expect(second.environments.map((e: { environment: string }) => e.environment)).toEqual(['qa', 'preprod', 'live']);
  await stack.temporal.client.workflow.getHandle(second.id).terminate('test over');
});
