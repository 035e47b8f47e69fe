// The environment lock continues-as-new before its history grows large, carrying its holders,
// waiters and pause switch into the next run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { environmentLockWorkflowId } from '../../domain/ids.js';
import { eventually, waitForState, type Stack } from '../support/stack.js';
import { startJenkinsStack } from '../support/jenkins-stack.js';

let stack: Stack;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, close } = await startJenkinsStack({ checkout: { group: 1 } }, { lockMaxHistoryEvents: 40 }));
});
afterAll(async () => close());

async function runsOf(workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const w of stack.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    statuses.push(w.status.name);
  return statuses;
}

it('keeps holder, waiter and grant order across continue-as-new', async () => {
  const request = async (version: string) =>
    (
      await stack.call('POST', '/v1/deployments', {
        token: stack.tokens.requester,
        body: { service: 'checkout', version },
      })
    ).body.id as string;
  const holder = await request('1.0.0');
  await waitForState(stack, holder, 'PENDING_TESTS');
  const waiter = await request('1.0.1');
  await eventually(
    async () => (await stack.call('GET', `/v1/deployments/${waiter}`)).body.waitingOn?.position === 1,
    'waiter queued',
  );

  const lockId = environmentLockWorkflowId(stack.taskQueue, 'preprod');
  for (let i = 0; i < 8; i++) {
    await stack.call('POST', '/v1/queue/pause', { body: { environment: 'preprod' } });
    await stack.call('POST', '/v1/queue/resume', { body: { environment: 'preprod' } });
  }
  const runs = await eventually(
    async () => {
      const r = await runsOf(lockId);
      return r.includes('CONTINUED_AS_NEW') ? r : undefined;
    },
    'a continued-as-new run',
    30_000,
  );
  expect(runs.filter((s) => s === 'RUNNING')).toHaveLength(1);

  const queue = (await stack.call('GET', '/v1/environments/preprod/queue')).body;
  expect(queue.paused).toBe(false);
  expect(queue.holders.map((h: { workflowId: string }) => h.workflowId)).toEqual([holder]);
  expect(queue.waiting.map((w: { workflowId: string }) => w.workflowId)).toEqual([waiter]);

  await stack.call('POST', `/v1/deployments/${holder}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: false },
  });
  await waitForState(stack, waiter, 'PENDING_TESTS');
  await stack.call('POST', `/v1/deployments/${waiter}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: false },
  });
});
