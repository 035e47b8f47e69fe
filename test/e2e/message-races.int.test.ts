// Messages racing the deployment's own steps, with the smallest workflow cache the SDK allows (2),
// so that nearly every workflow task replays the whole history: the race windows are widest and
// each task's replay is checked by the worker itself. Afterwards every run is replayed again.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments } from '../../db/schema.js';
import type { DeploymentState } from '../../domain/deployment-state.js';
import { replayTaskQueue } from '../support/replay-all.js';
import { eventually, sharedBundle, startStack, waitForState, type Stack } from '../support/stack.js';

const SERVICES = 8;
let stack: Stack;

function configYaml(): string {
  const lines = [
    'environments: { preprod: { concurrency: groups }, live: { concurrency: exclusive } }',
    'pipeline: [preprod, live]',
    'policies: { lock: hold-until-tests }',
    'direct-to-live: []',
    'auth: { anonymous: [read] }',
    'services:',
  ];
  const docker = '    deploy: { "*": { type: docker, image: slipway/step:busybox, command: "echo ok" } }';
  for (let i = 0; i < SERVICES; i++) lines.push(`  s${i}:`, `    group: ${i % 4}`, docker);
  lines.push('  twice:', '    group: 9', '    approvalsRequired: 2', docker);
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  stack = await startStack({ configYaml: configYaml(), maxCachedWorkflows: 2 });
});
afterAll(async () => stack?.close());

const request = async (service: string, version: string) => {
  const res = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service, version },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
};
const report = (id: string) =>
  stack.call('POST', `/v1/deployments/${id}/test-results`, { token: stack.tokens.reporter, body: { passed: true } });
const approve = (id: string) => stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.approver });
// Admin: a deployment past its tests needs deploy:approve to be cancelled.
const cancel = (id: string) => stack.call('POST', `/v1/deployments/${id}/cancel`, { body: { reason: 'race' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A Jenkins script's loop: repeat while refused (409), as long as the deployment may still take it. */
async function untilAccepted(send: () => Promise<{ status: number; text: string }>) {
  for (let i = 0; i < 400; i++) {
    const res = await send();
    if (res.status === 200) return res;
    expect(res.status, res.text).toBe(409);
    await sleep(5);
  }
  throw new Error('never accepted');
}
const detail = async (id: string) => (await stack.call('GET', `/v1/deployments/${id}`)).body;
const finishedState = (id: string, timeoutMs = 120_000) =>
  eventually(
    async () => {
      const d = await detail(id);
      return d?.phase === 'finished' ? d : undefined;
    },
    `deployment ${id} to finish`,
    timeoutMs,
  );
const historyLength = async (id: string) =>
  (await stack.temporal.client.workflow.getHandle(id).describe()).historyLength;

async function locksAreFree() {
  await eventually(
    async () => {
      for (const env of ['preprod', 'live']) {
        const q = (await stack.call('GET', `/v1/environments/${env}/queue`)).body;
        if (q.holders.length > 0 || q.waiting.length > 0) return undefined;
      }
      return true;
    },
    'both environment locks to be free',
    30_000,
  );
}

describe('a Go Live racing the test result and the pre-prod release', () => {
  it('goes live whatever the order: result then Go Live, both at once, Go Live first, Go Live a moment later', async () => {
    const ids = await Promise.all([...Array(24).keys()].map((i) => request(`s${i % SERVICES}`, `1.0.${i}`)));
    await Promise.all(
      ids.map(async (id, i) => {
        await waitForState(stack, id, 'PENDING_TESTS', 120_000);
        switch (i % 4) {
          case 0:
            expect((await report(id)).status).toBe(200);
            expect((await approve(id)).status).toBe(200);
            break;
          case 1:
            await Promise.all([report(id), untilAccepted(() => approve(id))]);
            break;
          case 2: {
            const goLive = untilAccepted(() => approve(id));
            await sleep(20);
            await report(id);
            await goLive;
            break;
          }
          default:
            expect((await report(id)).status).toBe(200);
            await sleep(i * 5);
            await untilAccepted(() => approve(id));
        }
      }),
    );
    for (const id of ids) {
      const done = await finishedState(id);
      expect(done.state, `${id}: ${JSON.stringify(done.waitingOn)}`).toBe('GO_LIVE_DONE');
    }
    await locksAreFree();
  }, 300_000);
});

describe('a cancel racing each transition', () => {
  it('either cancels the deployment or is refused, and nothing is left waiting or holding a lock', async () => {
    const ids = await Promise.all([...Array(16).keys()].map((i) => request(`s${i % SERVICES}`, `2.0.${i}`)));
    const answers = await Promise.all(
      ids.map(async (id, i) => {
        switch (i % 4) {
          case 0:
            return cancel(id); // queued, racing the grant and the deploy's start
          case 1:
            await waitForState(stack, id, 'PENDING_TESTS', 120_000);
            return (await Promise.all([cancel(id), report(id)]))[0];
          case 2: {
            await waitForState(stack, id, 'PENDING_TESTS', 120_000);
            const [cancelled] = await Promise.all([
              (async () => {
                await sleep(10);
                return cancel(id);
              })(),
              report(id),
              untilAccepted(() => approve(id)).catch(() => null),
            ]);
            return cancelled;
          }
          default: {
            await waitForState(stack, id, 'PENDING_TESTS', 120_000);
            await report(id);
            const goLive = await approve(id);
            expect(goLive.status).toBe(200);
            return cancel(id); // queued for live, racing the live grant
          }
        }
      }),
    );
    for (const [i, id] of ids.entries()) {
      const answer = answers[i]!;
      const done = await finishedState(id);
      if (answer.status === 200) expect(done.outcome.status, `${id} (case ${i % 4})`).toBe('cancelled');
      else {
        expect(answer.status, answer.text).toBe(409);
        expect(done.outcome.status, `${id} (case ${i % 4})`).not.toBe('cancelled');
      }
    }
    await locksAreFree();
  }, 300_000);
});

describe('a cancel racing the test result that turns it into overruling Go Live', () => {
  it("is judged by the workflow's state, not the status the API read: deploy:request cannot end a passed deployment", async () => {
    const id = await request('s3', '5.0.0');
    await waitForState(stack, id, 'PENDING_TESTS', 120_000);
    expect((await report(id)).status).toBe(200);
    // The race, made certain: the API reads the row, the result arrives, then the cancel reaches the
    // workflow. Holding the row at what the API read before the result has the same effect.
    await stack.database.db
      .update(deployments)
      .set({ status: 'PENDING_TESTS', phase: 'awaiting-tests' })
      .where(eq(deployments.id, id));
    const refused = await stack.call('POST', `/v1/deployments/${id}/cancel`, { token: stack.tokens.requester });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.error.message).toBe(
      'this token lacks the scope deploy:approve (or deploy:approve:s3), which cancelling a deployment in status TESTS_PASSED needs',
    );
    const state = await stack.temporal.client.workflow.getHandle(id).query<DeploymentState>('state');
    expect([state.status, state.phase, state.outcome]).toEqual(['TESTS_PASSED', 'awaiting-approval', null]);
    // Before its tests passed, the same token could cancel: deploy:request is what a pending test wait needs.
    const other = await request('s3', '5.0.1');
    expect((await approve(id)).status).toBe(200);
    expect((await waitForState(stack, id, 'GO_LIVE_DONE', 120_000)).outcome.status).toBe('succeeded');
    await waitForState(stack, other, 'PENDING_TESTS', 120_000);
    const cancelled = await stack.call('POST', `/v1/deployments/${other}/cancel`, { token: stack.tokens.requester });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect((await finishedState(other)).outcome.status).toBe('cancelled');
  }, 300_000);
});

describe('repeated messages', () => {
  it('a Go Live repeated 1,000 times is answered duplicate and adds nothing to the history', async () => {
    const id = await request('twice', '1.0.0');
    await waitForState(stack, id, 'PENDING_TESTS', 120_000);
    const url = { testJobUrl: 'https://dev-jenkins.example/job/twice-tests/1/' };
    expect(
      (
        await stack.call('POST', `/v1/deployments/${id}/test-results`, {
          token: stack.tokens.reporter,
          body: { passed: true, ...url },
        })
      ).status,
    ).toBe(200);
    expect((await approve(id)).body.duplicate).toBe(false);
    await eventually(async () => (await detail(id)).waitingOn?.approvalsNeeded === 1, 'one approval of two');
    const before = await historyLength(id);

    for (let i = 0; i < 1000; i += 20) {
      const answers = await Promise.all([...Array(20).keys()].map(() => approve(id)));
      for (const a of answers) expect([a.status, a.body.duplicate]).toEqual([200, true]);
    }
    for (let i = 0; i < 20; i++) {
      const again = await stack.call('POST', `/v1/deployments/${id}/test-results`, {
        token: stack.tokens.reporter,
        body: { passed: true, ...url },
      });
      expect([again.status, again.body.duplicate]).toEqual([200, true]);
    }
    expect(await historyLength(id)).toBe(before);

    expect((await stack.call('POST', `/v1/deployments/${id}/approve`)).body.duplicate).toBe(false); // admin: the second approver
    expect((await waitForState(stack, id, 'GO_LIVE_DONE')).approvals).toHaveLength(2);
  }, 300_000);

  it('a repeated cancel is answered duplicate', async () => {
    const id = await request('s0', '3.0.0');
    await waitForState(stack, id, 'PENDING_TESTS', 120_000);
    const first = await cancel(id);
    expect([first.status, first.body.duplicate]).toEqual([200, false]);
    // Refused by the validator while the workflow still runs, judged on the projection once closed.
    const repeats = await Promise.all([...Array(10).keys()].map(() => cancel(id)));
    for (const r of repeats) expect([r.status, r.body.duplicate]).toEqual([200, true]);
  });
});

describe("the interceptors' SDK flag", () => {
  it('is in the history from the first workflow task, so a refused Update cannot take it along', async () => {
    const id = await request('s1', '4.0.0');
    await waitForState(stack, id, 'PENDING_TESTS', 120_000);
    expect((await approve(id)).status).toBe(409); // refused: its speculative task leaves no history
    expect((await report(id)).status).toBe(200);
    const history = await stack.temporal.client.workflow.getHandle(id).fetchHistory();
    const firstTask = history.events!.find((e) => e.workflowTaskCompletedEventAttributes)!;
    expect(firstTask.workflowTaskCompletedEventAttributes!.sdkMetadata?.langUsedFlags).toContain(6);
  });
});

it('every run of this file replays on the current bundle, without a failed workflow task', async () => {
  const summary = await replayTaskQueue(stack.temporal.client, stack.taskQueue, await sharedBundle());
  expect(summary.runs).toBeGreaterThan(40);
  expect(summary.failures).toEqual([]);
}, 300_000);
