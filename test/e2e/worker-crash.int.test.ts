// A worker process killed (SIGKILL) in the middle of a Jenkins deploy: another worker picks the
// deployment up, finds the build it had started (no second build), finishes, and frees the lock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, waitForState, type Stack } from '../support/stack.js';
import { startJenkinsStack } from '../support/jenkins-stack.js';
import type { FakeJenkins } from '../fakes/jenkins.js';

let stack: Stack;
let fake: FakeJenkins;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, fake, close } = await startJenkinsStack(
    { checkout: { group: 1, job: { durationMs: 6000 } }, payments: { group: 1 } },
    { inProcessWorker: false, heartbeatMs: 3000 },
  ));
});
afterAll(async () => close());

it('finishes the deployment after the worker is killed mid-deploy, with one Jenkins build and no leaked lock', async () => {
  const first = await stack.spawnWorker();
  const created = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '9.0.0' },
  });
  const id = created.body.id as string;
  await eventually(
    async () => {
      const d = (await stack.call('GET', `/v1/deployments/${id}`)).body;
      return d.state === 'DEPLOYING' && d.environments[0].jenkins ? d : undefined;
    },
    'the Jenkins build to start',
    60_000,
  );
  await first.kill('SIGKILL');
  expect(fake.builds('release/deploy-checkout')[0]!.building).toBe(true);

  await stack.spawnWorker();
  const done = await waitForState(stack, id, 'PENDING_TESTS', 60_000);
  expect(fake.triggers('release/deploy-checkout')).toBe(1);
  expect(fake.builds('release/deploy-checkout')).toHaveLength(1);
  expect(done.environments[0].jenkins.buildNumber).toBe(1);

  await stack.call('POST', `/v1/deployments/${id}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: false },
  });
  const next = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '9.0.1' },
  });
  await waitForState(stack, next.body.id, 'DEPLOYING', 30_000);
  // The queue view follows the lock within a second (RECORD_INTERVAL_MS in workflows/environment-lock.ts).
  const holders = async () =>
    ((await stack.call('GET', '/v1/environments/preprod/queue')).body.holders as Array<{ workflowId: string }>).map(
      (h) => h.workflowId,
    );
  await eventually(
    async () => {
      const h = await holders();
      return h.length === 1 && h[0] === next.body.id ? h : undefined;
    },
    'the queue view to show the next holder alone',
    10_000,
  );
});
