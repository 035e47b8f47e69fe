// Promotion gates in a three-environment pipeline (dev → staging → live) on a real Temporal dev
// server: each gate type passes and fails as it should, its evidence is shown by GET
// /v1/deployments/:id, approvals follow separation of duties, and signals follow the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../domain/promotions.js';
import { reportPromotionUpdate } from '../../workflows/deployment.messages.js';
import { eventually, waitForState } from '../support/stack.js';
import { flakyHealth, GATE_JOB, startGated, startGatesStack, type GatesStack } from '../support/gates.js';

let g: GatesStack;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  g = await startGatesStack(['shop', 'cart', 'ledger', 'search', 'mail', 'pay', 'feed', 'auth']);
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
    return d.waitingOn?.kind === 'gates' && d.waitingOn.environment === environment ? d : undefined;
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
    await g.stack.temporal.client.workflow
      .getHandle(id)
      .executeUpdate(reportPromotionUpdate, {
        args: [
          { name: 'perf', status: 'SUCCESS', passed: true, actor: 'perf-bot', infoUrl: 'https://perf.example/42' },
        ],
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
