// Promotion gates in a three-environment pipeline (dev → staging → live) on a real Temporal dev
// server: each gate type passes and fails as it should, its evidence is shown by GET
// /v1/deployments/:id, approvals follow separation of duties, and signals follow the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../domain/promotions.js';
import { reportPromotionUpdate } from '../../workflows/deployment.messages.js';
import { eventually, waitForState } from '../support/stack.js';
import { flakyHealth, GATE_JOB, runOnFake, startGated, startGatesStack, type GatesStack } from '../support/gates.js';

let g: GatesStack;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  g = await startGatesStack(['shop', 'cart', 'ledger', 'search', 'mail', 'pay', 'feed', 'auth', 'sig', 'old']);
  for (const name of ['alice', 'bob', 'carol']) tokens[name] = await g.token(name);
}, 60_000);
afterAll(async () => g?.close());

const manual = (name: string, required: number): Gate => ({
  name,
  type: 'manual',
  approvers: ['alice', 'bob', 'carol'],
  required,
  expiresAfter: '1h',
});
const jenkins = (name: string): Gate => ({
  name,
  type: 'jenkins',
  server: 'release',
  jobs: [GATE_JOB],
  versionParameter: 'VERSION',
  parameters: { SUITE: 'smoke' },
  timeout: '1m',
});
const webhook = (name: string, url: string, timeout = '30s'): Gate => ({
  name,
  type: 'webhook',
  url,
  expectStatus: 200,
  interval: '200ms',
  timeout,
  successes: 2,
});
const testsReported: Gate = { name: 'tests', type: 'tests-reported', expiresAfter: '1h' };
const reported = (name: string): Gate => ({ name, type: 'reported', expiresAfter: '1h' });

const get = async (id: string) => (await g.stack.call('GET', `/v1/deployments/${id}`)).body;
const waitingGates = (id: string, environment: string) =>
  eventually(async () => {
    const d = await get(id);
    if (d.waitingOn?.kind === 'gates' && d.waitingOn.environment === environment) return d;
    throw new Error(`${d.state} ${d.phase} ${JSON.stringify(d.waitingOn)} ${JSON.stringify(d.outcome)}`);
  }, `gates of ${environment} to wait`);
const gatesOf = (d: { environments: Array<{ environment: string; gates?: unknown[] }> }, env: string) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  d.environments.find((e) => e.environment === env)!.gates as any[];
const decide = (id: string, env: string, gate: string, kind: string, who: string, body?: unknown) =>
  g.stack.call('POST', `/v1/deployments/${id}/gates/${env}/${gate}/${kind}`, { token: tokens[who], body });

describe('promotion gates', () => {
  it('carries a version through gates of every type, with evidence, and needs no Go Live after gated staging', async () => {
    const health = await flakyHealth(2);
    const { id } = await startGated(g.stack, {
      service: 'shop',
      version: '2.0.0',
      requestor: 'carol',
      gates: {
        dev: [
          { name: 'dev-checks', type: 'all-of', of: [webhook('health', health.url), jenkins('e2e')] },
          testsReported,
        ],
        staging: [manual('sign-off', 2), reported('perf')],
      },
    });
    const dev = await waitingGates(id, 'dev');
    expect(dev.state).toBe('PENDING_TESTS');
    expect(dev.waitingOn.pending).toEqual(expect.arrayContaining(['tests']));
    const tests = await g.stack.call('POST', `/v1/deployments/${id}/test-results`, {
      token: g.stack.tokens.reporter,
      body: { passed: true, version: '2.0.0' },
    });
    expect(tests.status).toBe(200);

    await waitingGates(id, 'staging');
    const devGates = gatesOf(await get(id), 'dev');
    expect(devGates.map((r) => [r.name, r.status])).toEqual([
      ['dev-checks', 'passed'],
      ['tests', 'passed'],
    ]);
    const [probe, run] = devGates[0].parts;
    expect(probe.evidence.map((e: { status: number }) => e.status)).toEqual([503, 503, 200, 200]);
    expect(probe.evidence[3]).toMatchObject({
      kind: 'probe',
      url: health.url,
      bodySha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(probe.evidence[3].latencyMs).toBeGreaterThanOrEqual(0);
    expect(run.evidence).toEqual([
      expect.objectContaining({
        kind: 'jenkins',
        job: GATE_JOB,
        url: expect.stringContaining(`/job/tests/job/e2e/`),
        parameters: { SUITE: '', VERSION: '2.0.0' },
        result: 'SUCCESS',
        counted: true,
      }),
    ]);
    expect(g.fake.builds(GATE_JOB).at(-1)!.params.VERSION).toBe('2.0.0');

    // Separation of duties: the requester never decides; one approver counts once; 2 of 3 pass it.
    const own = await decide(id, 'staging', 'sign-off', 'approve', 'carol');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/carol requested this deployment/);
    expect((await decide(id, 'staging', 'sign-off', 'approve', 'alice')).body.duplicate).toBe(false);
    const again = await decide(id, 'staging', 'sign-off', 'approve', 'alice');
    expect([again.status, again.body.duplicate]).toEqual([200, true]);
    expect((await get(id)).waitingOn.pending).toEqual(['sign-off', 'perf']);
    const noReason = await decide(id, 'staging', 'sign-off', 'reject', 'bob', {});
    expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason']);
    const otherVersion = await decide(id, 'staging', 'sign-off', 'approve', 'bob', { version: '1.9.0' });
    expect(otherVersion.status).toBe(409);
    const notAGate = await decide(id, 'staging', 'perf', 'approve', 'bob');
    expect(notAGate.status).toBe(409);
    expect((await decide(id, 'staging', 'sign-off', 'approve', 'bob')).status).toBe(200);
    await g.stack.temporal.client.workflow.getHandle(id).executeUpdate(reportPromotionUpdate, {
      args: [{ name: 'perf', status: 'SUCCESS', passed: true, actor: 'perf-bot', infoUrl: 'https://perf.example/42' }],
    });

    const done = await waitForState(g.stack, id, 'GO_LIVE_DONE');
    expect(done.approvals).toEqual([]);
    const staging = gatesOf(done, 'staging');
    expect(staging[0]).toMatchObject({ status: 'passed', reason: 'approved by alice, bob' });
    expect(staging[0].evidence.map((e: { by: string }) => e.by)).toEqual(['alice', 'bob']);
    expect(staging[1].evidence[0]).toMatchObject({
      kind: 'report',
      status: 'SUCCESS',
      by: 'perf-bot',
      infoUrl: 'https://perf.example/42',
    });
    await health.close();
  }, 90_000);
});

describe('failing gates', () => {
  it('each gate type fails as it should and ends the deployment naming the gate; any-of passes on one part', async () => {
    const down = await flakyHealth(1_000_000);
    g.fake.defineJob('tests/failing', {
      parameters: ['VERSION', 'SLIPWAY_DEPLOYMENT'],
      durationMs: 50,
      result: 'FAILURE',
    });
    g.fake.defineJob('tests/rebuilt', { parameters: ['VERSION', 'SLIPWAY_DEPLOYMENT'], durationMs: 300 });
    const start = (service: string, gates: Gate[], beforeStart?: (id: string) => Promise<void>) =>
      startGated(g.stack, { service, version: '3.1.0', requestor: 'dev-jenkins', gates: { dev: gates }, beforeStart });
    const rejected = await start('cart', [manual('sign-off', 1)]);
    const probed = await start('ledger', [webhook('health', down.url, '2s')]);
    const failedRun = await start('search', [{ ...jenkins('e2e'), jobs: ['tests/failing'] } as Gate]);
    // Someone rebuilt our run with another VERSION before we looked: that run never counts.
    const otherVersion = await start('mail', [{ ...jenkins('e2e'), jobs: ['tests/rebuilt'] } as Gate], (id) =>
      runOnFake(g.fake, 'tests/rebuilt', { VERSION: '3.0.9', SLIPWAY_DEPLOYMENT: `${id}@dev#e2e#tests/rebuilt` }),
    );
    const testsFailed = await start('pay', [testsReported]);
    const reportedFailed = await start('feed', [reported('perf')]);
    const either = await start('auth', [
      { name: 'either', type: 'any-of', of: [webhook('health', down.url), manual('ok', 1)] },
    ]);

    await waitingGates(rejected.id, 'dev');
    expect(
      (await decide(rejected.id, 'dev', 'sign-off', 'reject', 'alice', { reason: 'checkout is broken' })).status,
    ).toBe(200);
    await waitingGates(testsFailed.id, 'dev');
    await g.stack.call('POST', `/v1/deployments/${testsFailed.id}/test-results`, {
      token: g.stack.tokens.reporter,
      body: { passed: false },
    });
    await waitingGates(reportedFailed.id, 'dev');
    await g.stack.temporal.client.workflow.getHandle(reportedFailed.id).executeUpdate(reportPromotionUpdate, {
      args: [{ name: 'perf', status: 'FAILED', passed: false, actor: 'perf-bot' }],
    });
    await waitingGates(either.id, 'dev');
    await decide(either.id, 'dev', 'ok', 'approve', 'bob');

    const outcome = async (id: string) => (await waitForState(g.stack, id, 'TESTS_FAILED')).outcome.message;
    expect(await outcome(rejected.id)).toBe('gate "sign-off" failed in dev: rejected by alice: checkout is broken');
    expect(await outcome(probed.id)).toMatch(
      /^gate "health" failed in dev: no 2 consecutive HTTP 200 within 2s \(last: HTTP 503\)/,
    );
    expect(await outcome(failedRun.id)).toMatch(/^gate "e2e" failed in dev: tests\/failing #\d+ finished FAILURE/);
    expect(await outcome(otherVersion.id)).toMatch(/ran for VERSION=3\.0\.9, not 3\.1\.0: it does not count/);
    expect(await outcome(testsFailed.id)).toMatch(/^gate "tests" failed in dev: tests failed/);
    expect(await outcome(reportedFailed.id)).toBe('gate "perf" failed in dev: reported FAILED by perf-bot');

    const probes = gatesOf(await get(probed.id), 'dev')[0].evidence;
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.every((p: { status: number }) => p.status === 503)).toBe(true);
    const runs = gatesOf(await get(otherVersion.id), 'dev')[0].evidence;
    expect(runs).toEqual([
      expect.objectContaining({ kind: 'jenkins', counted: false, parameters: { SUITE: '', VERSION: '3.0.9' } }),
    ]);
    expect(g.fake.triggers('tests/rebuilt')).toBe(1);

    const passed = await eventually(async () => {
      const d = await get(either.id);
      return d.environments[0].gates?.[0].status === 'passed' ? d : undefined;
    }, 'the any-of to pass');
    const [probe, approval] = gatesOf(passed, 'dev')[0].parts;
    expect(approval.status).toBe('passed');
    expect([probe.status, probe.reason]).toEqual(['pending', 'not needed: "either" was decided without it']);
    expect(gatesOf(passed, 'dev')[0].reason).toBe('"ok" passed');
    // Past its gates, staging (without gates) waits for a test result as Octopush did.
    await eventually(async () => (await get(either.id)).waitingOn?.environment === 'staging' || undefined, 'staging');
    await eventually(async () => (await get(either.id)).waitingOn?.kind === 'tests' || undefined, 'the tests wait');
    const cancelled = await g.stack.call('POST', `/v1/deployments/${either.id}/cancel`, { body: { reason: 'done' } });
    expect(cancelled.status).toBe(200);
    await down.close();
  }, 120_000);
});

describe('approvals as signals, and superseded deployments', () => {
  it('takes approve and testResult signals under the same rules, recording each refusal with its reason', async () => {
    const { id } = await startGated(g.stack, {
      service: 'sig',
      version: '1.2.3',
      requestor: 'carol',
      gates: { dev: [manual('ops', 1)] },
    });
    await waitingGates(id, 'dev');
    const handle = g.stack.temporal.client.workflow.getHandle(id);
    await handle.signal('approve', { by: 'carol' });
    await handle.signal('approve', { by: 'mallory' });
    await handle.signal('approve', { reason: 'no name' });
    await handle.signal('approve', { by: 'bob', version: '9.9.9' });
    await handle.signal('approve', { by: 'alice', reason: 'smoke looks fine' });
    await eventually(async () => (await get(id)).waitingOn?.kind === 'tests' || undefined, 'staging to wait for tests');
    const refused = (await get(id)).refusedSignals;
    expect(refused.map((r: { by: string; reason: string }) => [r.by, r.reason])).toEqual([
      ['carol', 'carol requested this deployment and cannot decide its gate "ops"'],
      ['mallory', 'mallory is not an approver of gate "ops" (approvers: alice, bob, carol)'],
      ['', 'the signal names no approver: send {"by": "<name>"}'],
      ['bob', 'this deployment is of sig 1.2.3, not version 9.9.9'],
    ]);
    expect(refused.every((r: { signal: string; at: string }) => r.signal === 'approve' && r.at)).toBe(true);
    expect(gatesOf(await get(id), 'dev')[0].evidence).toEqual([
      expect.objectContaining({ kind: 'approval', by: 'alice', reason: 'smoke looks fine', via: 'signal' }),
    ]);

    // staging has no gates: Octopush's test wait and Go Live, here through signals.
    await handle.signal('testResult', { passed: 'yes', by: 'ci' });
    await handle.signal('testResult', { passed: true, by: 'ci' });
    await eventually(async () => (await get(id)).phase === 'awaiting-approval' || undefined, 'Go Live wait');
    await handle.signal('approve', { by: 'carol' });
    await handle.signal('approve', { by: 'bob' });
    const live = await waitForState(g.stack, id, 'GO_LIVE_DONE');
    expect(live.approvals.map((a: { by: string }) => a.by)).toEqual(['bob']);
    expect(live.refusedSignals.slice(4).map((r: { signal: string; reason: string }) => [r.signal, r.reason])).toEqual([
      ['testResult', '"passed" must be true or false'],
      ['approve', 'carol requested this deployment and cannot approve it'],
    ]);
  }, 90_000);

  it('refuses a decision for a deployment superseded by a newer request of its service', async () => {
    const first = await startGated(g.stack, {
      service: 'old',
      version: '1.0.0',
      requestor: 'dev-jenkins',
      gates: { dev: [manual('ops', 1)] },
    });
    await waitingGates(first.id, 'dev');
    const second = await startGated(g.stack, {
      service: 'old',
      version: '1.0.1',
      requestor: 'dev-jenkins',
      gates: { dev: [manual('ops', 1)] },
    });
    const refused = await decide(first.id, 'dev', 'ops', 'approve', 'alice');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `deployment #${first.number} was superseded by #${second.number} (old 1.0.1)`,
    );
    // The newer one waits for the dev lock the first holds (one deployment per group at a time).
    await g.stack.call('POST', `/v1/deployments/${first.id}/cancel`, { body: { reason: 'superseded' } });
    await waitingGates(second.id, 'dev');
    // An approval is bound to its gate: none of another environment or name satisfies this one.
    expect((await decide(second.id, 'staging', 'ops', 'approve', 'alice')).status).toBe(409);
    expect((await decide(second.id, 'dev', 'other', 'approve', 'alice')).status).toBe(409);
    expect((await decide(second.id, 'dev', 'ops', 'approve', 'alice')).status).toBe(200);
    expect(gatesOf(await get(first.id), 'dev')[0]).toMatchObject({ status: 'pending', evidence: [] });
    await eventually(async () => (await get(second.id)).environment === 'staging' || undefined, 'staging');
  }, 90_000);
});
