// Octopush's concurrency rule and the queue controls, observed through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, waitForState, type Stack } from '../support/stack.js';
import { startJenkinsStack } from '../support/jenkins-stack.js';
import type { FakeJenkins } from '../fakes/jenkins.js';

let stack: Stack;
let fake: FakeJenkins;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, fake, close } = await startJenkinsStack({
    checkout: { group: 1 },
    payments: { group: 1 },
    search: { group: 2 },
    banner: { group: 3, tests: '2s' },
    ads: { group: 3, tests: '2s', onExpiry: 'release-lock' },
  }));
});
afterAll(async () => close());

const request = async (service: string, version: string) => {
  const res = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service, version },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const pass = (id: string) =>
  stack.call('POST', `/v1/deployments/${id}/test-results`, { token: stack.tokens.reporter, body: { passed: true } });
const fail = (id: string) =>
  stack.call('POST', `/v1/deployments/${id}/test-results`, { token: stack.tokens.reporter, body: { passed: false } });
const stateOf = async (id: string) => (await stack.call('GET', `/v1/deployments/${id}`)).body;
/** Waits long enough for a wrongly granted lock to have shown (grants take ~100 ms here). */
const settle = () => new Promise((r) => setTimeout(r, 1500));

describe('environment queue', () => {
  it('serializes two versions of one service: the second waits until the first has its test result', async () => {
    const first = await request('checkout', '1.0.0');
    await waitForState(stack, first, 'PENDING_TESTS');
    const second = await request('checkout', '1.0.1');
    await settle();
    const waiting = await stateOf(second);
    expect(waiting.state).toBe('QUEUED');
    expect(waiting.waitingOn).toMatchObject({ kind: 'lock', environment: 'preprod', position: 1 });
    expect(waiting.waitingOn.holders.map((h: { service: string }) => h.service)).toEqual(['checkout']);
    await fail(first);
    await waitForState(stack, second, 'PENDING_TESTS');
    await fail(second);
  });

  it('lets two services of one group share pre-prod, and makes another group wait', async () => {
    const a = await request('checkout', '2.0.0');
    const b = await request('payments', '2.0.0');
    await waitForState(stack, a, 'PENDING_TESTS');
    await waitForState(stack, b, 'PENDING_TESTS');
    const other = await request('search', '2.0.0');
    await settle();
    expect((await stateOf(other)).state).toBe('QUEUED');
    await pass(a);
    await settle();
    expect((await stateOf(other)).state).toBe('QUEUED');
    await fail(b);
    await waitForState(stack, other, 'PENDING_TESTS');
    await fail(other);
  });

  it('grants in acceptance order: a group cannot overtake an older request of another group', async () => {
    const holder = await request('checkout', '3.0.0');
    await waitForState(stack, holder, 'PENDING_TESTS');
    const olderOtherGroup = await request('search', '3.0.0');
    // Acceptance order is the order in which the environment's queue receives requests.
    await eventually(async () => (await stateOf(olderOtherGroup)).waitingOn?.position === 1, 'search to be queued');
    const youngerSameGroup = await request('payments', '3.0.0');
    await settle();
    expect((await stateOf(youngerSameGroup)).state).toBe('QUEUED');
    const waiting = async () =>
      ((await stack.call('GET', '/v1/environments/preprod/queue')).body.waiting as Array<{ service: string }>).map(
        (w) => w.service,
      );
    await eventually(
      async () => ((await waiting()).join() === 'search,payments' ? true : undefined),
      'the queue view to list search, then payments',
    );
    await fail(holder);
    await waitForState(stack, olderOtherGroup, 'PENDING_TESTS');
    expect((await stateOf(youngerSameGroup)).state).toBe('QUEUED');
    await fail(olderOtherGroup);
    await waitForState(stack, youngerSameGroup, 'PENDING_TESTS');
    await fail(youngerSameGroup);
  });

  it('cancels a queued deployment: DEPLOY_FAILED, out of the queue, never deployed', async () => {
    const holder = await request('checkout', '4.0.0');
    await waitForState(stack, holder, 'PENDING_TESTS');
    const queued = await request('checkout', '4.0.1');
    await settle();
    const octopush = await fetch(
      `${stack.url}/jobs/${(await stateOf(queued)).number}/cancel?access_token=${stack.tokens.requester}`,
    );
    expect(await octopush.json()).toEqual({
      job_status: 'DEPLOY_FAILED',
      job_id: String((await stateOf(queued)).number),
    });
    const after = await stateOf(queued);
    expect(after.outcome).toMatchObject({ status: 'cancelled' });
    expect(after.transitions.at(-1)).toMatchObject({ to: 'DEPLOY_FAILED', actor: 'dev-jenkins' });
    await eventually(
      async () => (await stack.call('GET', '/v1/environments/preprod/queue')).body.waiting.length === 0,
      'queue to empty',
    );
    const again = await stack.call('POST', `/v1/deployments/${queued}/cancel`, { token: stack.tokens.requester });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    const running = await stack.call('POST', `/v1/deployments/${holder}/cancel`, {
      token: stack.tokens.requester,
      body: {},
    });
    expect(running.status).toBe(200);
    expect(running.body.deployment.state).toBe('TESTS_FAILED');
    expect(fake.builds('release/deploy-checkout').filter((b) => b.params.VERSION === '4.0.1')).toEqual([]);
  });

  it('frees the lock of a holder whose workflow was terminated (no release signal ever comes)', async () => {
    const holder = await request('checkout', '6.0.0');
    await waitForState(stack, holder, 'PENDING_TESTS');
    const next = await request('checkout', '6.0.1');
    await settle();
    expect((await stateOf(next)).state).toBe('QUEUED');
    await stack.temporal.client.workflow.getHandle(holder).terminate('operator pulled the plug');
    await waitForState(stack, next, 'PENDING_TESTS', 20_000);
    await fail(next);
  });

  it('pauses and resumes: nothing new starts while paused', async () => {
    const paused = await stack.call('POST', '/v1/queue/pause', { body: { environment: 'preprod' } });
    expect(paused.body.paused).toEqual({ preprod: true, live: false });
    expect(await (await fetch(`${stack.url}/status`)).text()).toBe('ON');
    const id = await request('search', '5.0.0');
    await settle();
    const waiting = await stateOf(id);
    expect(waiting.state).toBe('QUEUED');
    expect(waiting.waitingOn).toMatchObject({ kind: 'lock', paused: true });
    await stack.call('POST', '/v1/queue/pause');
    expect(await (await fetch(`${stack.url}/status`)).text()).toBe('OFF');
    expect(await (await fetch(`${stack.url}/run`)).json()).toEqual({
      result: 'SUCCESS',
      message: 'The service is paused',
    });
    await stack.call('POST', '/v1/queue/resume');
    await waitForState(stack, id, 'PENDING_TESTS');
    expect((await stack.call('POST', '/v1/queue/pause', { token: stack.tokens.requester })).status).toBe(403);
    await fail(id);
  });

  it('expires a test wait: TESTS_FAILED (expired) and the lock goes to the next', async () => {
    const first = await request('banner', '1.0.0');
    await waitForState(stack, first, 'PENDING_TESTS');
    const next = await request('banner', '1.0.1');
    const expired = await waitForState(stack, first, 'TESTS_FAILED', 15_000);
    expect(expired.outcome).toMatchObject({ status: 'expired' });
    await waitForState(stack, next, 'PENDING_TESTS', 15_000);
    const late = await stack.call('POST', `/v1/deployments/${first}/test-results`, {
      token: stack.tokens.reporter,
      body: { passed: true },
    });
    expect(late.status).toBe(409);
    await waitForState(stack, next, 'TESTS_FAILED', 15_000);
  });

  it('with onExpiry release-lock, an expired test wait frees the environment but still takes the result', async () => {
    const first = await request('ads', '1.0.0');
    await waitForState(stack, first, 'PENDING_TESTS');
    const next = await request('ads', '1.0.1');
    await waitForState(stack, next, 'PENDING_TESTS', 15_000);
    expect((await stateOf(first)).state).toBe('PENDING_TESTS');
    await pass(first);
    expect((await stateOf(first)).state).toBe('TESTS_PASSED');
    await fail(next);
  });
});
