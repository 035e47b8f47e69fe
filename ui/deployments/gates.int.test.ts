// The promotion gates on a deployment page with app.request(): a real database, Temporal faked (a
// gate's Approve / Reject reach it as the API's own approveGate / rejectGate Updates), sessions
// signed in with tokens.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequestedDeployment, recordDeployment } from '../../db/deployments.js';
import { createToken } from '../../db/tokens.js';
import { initialState, type DeploymentState } from '../../domain/deployment-state.js';
import { ErrorType } from '../../domain/errors.js';
import { pendingResult } from '../../domain/gate-tree.js';
import type { GateResult } from '../../domain/promotions.js';
import { servicePlan } from '../../domain/service-plan.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { uiClient, type UiClient } from '../../test/support/ui-client.js';

const docker = '{ "*": { type: docker, image: "busybox", command: "true" } }';
const configYaml = `
environments: { qa: {}, preprod: {}, live: {} }
promotions:
  signoff: { type: manual, approvers: [lead, "team:acme/ops"] }
  smoke: { type: webhook, url: "http://smoke.test/health" }
  external: { type: reported }
  either: { type: any-of, of: [smoke, external] }
  checks: { type: all-of, of: [signoff, either] }
pipelines:
  gated:
    environments:
      - { environment: qa, promotions: [checks] }
      - { environment: live }
services:
  checkout: { group: 1, pipeline: gated, approvers: [lead], deploy: ${docker} }
  search: { group: 2, pipeline: gated, deploy: ${docker} }
`;
const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';
const XSS_TEXT = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';

let api: ApiHarness;
let lead: string;
let outsider: string;
beforeAll(async () => {
  api = await startApiHarness({ configYaml });
  lead = (await createToken(api.database.db, 'lead', ['deploy:approve'], 'test')).token;
  outsider = (await createToken(api.database.db, 'outsider', ['deploy:approve'], 'test')).token;
});
afterAll(async () => api?.close());

let serial = 0;
const now = () => new Date().toISOString();

/** A deployment of `service` deployed to qa and waiting on its gates (as the workflow stores it), after `change`. */
async function awaitingGates(service: string, change: (s: DeploymentState) => void = () => {}, requestor = 'dev') {
  const plan = servicePlan(api.config, service)!;
  const id = `${service}-gated-${++serial}`;
  const version = `1.0.${serial}`;
  const state = initialState({ id, number: 0, version, requestor, plan, startAtLast: false, rollbackOf: null }, now());
  const row = await insertRequestedDeployment(api.database.db, { ...state, seq: 0 }, { service, requestKey: id });
  state.number = row!.number;
  state.status = 'PENDING_TESTS';
  state.phase = 'awaiting-gates';
  const qa = state.environments[0]!;
  Object.assign(qa, { state: 'deployed', finishedAt: now() });
  qa.gates = plan.environments[0]!.gates!.map((g) => pendingResult(g, '2030-01-02T03:04:05.000Z'));
  state.waitingOn = { kind: 'gates', environment: 'qa', pending: ['signoff', 'smoke', 'external'] };
  change(state);
  state.seq += 1;
  await recordDeployment(api.database.db, state);
  return state;
}

const gate = (s: DeploymentState, name: string): GateResult => {
  const find = (rs: GateResult[]): GateResult | undefined =>
    rs.map((r) => (r.name === name ? r : find(r.parts ?? []))).find(Boolean);
  return find(s.environments[0]!.gates!)!;
};

async function signedIn(token: string): Promise<UiClient> {
  const client = uiClient(api.app);
  expect((await client.post('/login', { token })).status).toBe(303);
  return client;
}

const approveUrl = (d: DeploymentState, name = 'signoff') => `/deployments/${d.id}/gates/qa/${name}/approve`;
const rejectUrl = (d: DeploymentState, name = 'signoff') => `/deployments/${d.id}/gates/qa/${name}/reject`;
const gateCalls = (d: DeploymentState) =>
  api.temporal.callsOf('executeUpdate').filter((c) => c.workflowId === d.id && /Gate$/.test(c.name));

describe('the gates on a deployment page', () => {
  it('shows each gate with its parts, status, times, reason and every kind of evidence, and the refused signals', async () => {
    const d = await awaitingGates('search', (s) => {
      const smoke = gate(s, 'smoke');
      smoke.evidence.push(
        {
          kind: 'probe',
          url: 'http://smoke.test/health',
          status: 503,
          latencyMs: 12,
          bodySha256: 'ab12cd',
          at: '2030-01-02T03:05:00.000Z',
        },
        {
          kind: 'probe',
          url: 'http://smoke.test/health',
          status: null,
          latencyMs: 3,
          bodySha256: null,
          error: 'ECONNREFUSED',
          at: now(),
        },
      );
      const external = gate(s, 'external');
      external.evidence.push(
        { kind: 'report', status: 'green', passed: true, by: 'scanner', infoUrl: 'https://scan.test/r/1', at: now() },
        { kind: 'report', status: 'odd', passed: false, by: 'scanner', infoUrl: 'javascript:alert(1)', at: now() },
      );
      Object.assign(external, {
        status: 'passed',
        decidedAt: '2030-01-02T03:06:00.000Z',
        reason: 'reported green by scanner',
      });
      Object.assign(gate(s, 'either'), { status: 'passed', decidedAt: now(), reason: XSS });
      gate(s, 'signoff').evidence.push(
        { kind: 'approval', by: 'alice', reason: XSS, at: now(), via: 'ui' },
        { kind: 'tests', passed: true, by: 'ci', at: now(), via: 'signal' },
        {
          kind: 'jenkins',
          job: 'acceptance',
          url: 'http://jenkins.test/job/acceptance/7/',
          number: 7,
          parameters: { VERSION: s.version, NOTE: XSS },
          result: 'SUCCESS',
          counted: true,
          at: now(),
        },
        {
          kind: 'jenkins',
          job: 'acceptance',
          url: 'data:text/html,hi',
          number: 6,
          parameters: {},
          result: null,
          counted: false,
          at: now(),
        },
      );
      s.refusedSignals = [{ signal: 'approveGate', by: 'mallory', reason: XSS, at: now() }];
    });
    const html = (await (await signedIn(api.tokens.reader)).get(`/deployments/${d.number}`)).text;
    // The tree: checks (all-of) holds signoff and either (any-of), which holds smoke and external.
    expect(html).toMatch(
      /data-gate="checks".*all-of.*gate-status-pending.*data-gate="signoff".*manual.*data-gate="either".*any-of.*gate-status-passed.*data-gate="smoke".*webhook.*data-gate="external".*reported.*gate-status-passed/s,
    );
    expect(html).toContain('<time datetime="2030-01-02T03:04:05.000Z">');
    expect(html).toContain('<time datetime="2030-01-02T03:06:00.000Z">');
    expect(html).toContain('<dd class="gate-reason">reported green by scanner</dd>');
    // Probes: status or error, latency, body digest.
    expect(html).toMatch(/HTTP 503<\/span> in 12 ms, body sha256 <code class="digest">ab12cd<\/code>/);
    expect(html).toMatch(/<span class="evidence-bad">ECONNREFUSED<\/span> in 3 ms/);
    expect(html).toContain('href="http://smoke.test/health"');
    // Reports: an http(s) infoUrl is a link, anything else stays text.
    expect(html).toContain('href="https://scan.test/r/1"');
    expect(html).not.toContain('href="javascript:');
    // Jenkins runs: link, number, parameters, result, counted or not; a data: URL is no link.
    expect(html).toMatch(/Jenkins acceptance <a href="http:\/\/jenkins.test\/job\/acceptance\/7\/"[^>]*>#7<\/a>/);
    expect(html).toMatch(/SUCCESS<\/span> <span class="counted">counted<\/span>/);
    expect(html).toContain(`<dt>VERSION</dt><dd>${d.version}</dd>`);
    expect(html).toMatch(
      /<span class="url">#6<\/span> <span class="jenkins-result">running<\/span> <span class="not-counted">not counted/,
    );
    expect(html).not.toContain('href="data:');
    // Approvals and tests: who, how, when.
    expect(html).toMatch(/Approved<\/span> by <span class="actor">alice<\/span> via ui/);
    expect(html).toMatch(
      /Tests <span class="evidence-ok">passed<\/span>, reported by <span class="actor">ci<\/span> via signal/,
    );
    // Refused signals.
    expect(html).toMatch(/<h2>Refused signals<\/h2>.*<td>approveGate<\/td><td>mallory<\/td>/s);
    // Outside words are text, never markup.
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html.split(XSS_TEXT).length - 1).toBeGreaterThanOrEqual(4);
    // A reader decides nothing.
    expect(html).not.toContain('/gates/qa/');
  });

  it('offers Approve and Reject only to a listed approver with deploy:approve who did not request it, while the gate is pending', async () => {
    const d = await awaitingGates('checkout');
    const buttonsFor = async (token: string) => (await (await signedIn(token)).get(`/deployments/${d.number}`)).text;
    const mine = await buttonsFor(lead);
    expect(mine).toContain(`action="/deployments/${d.id}/gates/qa/signoff/approve"`);
    expect(mine).toContain(`action="/deployments/${d.id}/gates/qa/signoff/reject"`);
    expect(mine).toContain('Reason (optional)');
    expect(mine).toMatch(
      /gates\/qa\/signoff\/reject"><input type="hidden" name="_csrf"[^>]*>.*?<textarea name="reason"[^>]*required/s,
    );
    // Only manual gates take decisions.
    expect(mine).not.toContain('/gates/qa/smoke/');
    // The scope without a place on the approver list, the list without the scope, and the requester: no buttons.
    expect(await buttonsFor(outsider)).not.toContain('/gates/qa/signoff/');
    const listedReader = (await createToken(api.database.db, `lead-reader-${serial}`, ['read'], 'test')).token;
    expect(await buttonsFor(listedReader)).not.toContain('/gates/qa/signoff/');
    const own = await awaitingGates('checkout', () => {}, 'lead');
    expect((await (await signedIn(lead)).get(`/deployments/${own.number}`)).text).not.toContain('/gates/qa/signoff/');
    // Decided (or already approved by this viewer): no buttons.
    const decided = await awaitingGates('checkout', (s) =>
      Object.assign(gate(s, 'signoff'), { status: 'passed', decidedAt: now(), reason: 'approved by bob' }),
    );
    expect((await (await signedIn(lead)).get(`/deployments/${decided.number}`)).text).not.toContain(
      '/gates/qa/signoff/',
    );
  });

  it('approves and rejects through the API’s Updates, as the session’s principal, bound to the version shown', async () => {
    const d = await awaitingGates('checkout');
    const client = await signedIn(lead);
    await client.get(`/deployments/${d.number}`);
    const approved = await client.post(approveUrl(d), { reason: 'looks good' });
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(`/deployments/${d.number}`);
    const noReason = await client.post(rejectUrl(d), { reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('reason: say why');
    const rejected = await client.post(rejectUrl(d), { reason: 'smoke is red' });
    expect(rejected.status).toBe(303);
    expect(gateCalls(d).map((c) => [c.name, c.args[0]])).toEqual([
      [
        'approveGate',
        {
          environment: 'qa',
          gate: 'signoff',
          version: d.version,
          actor: 'lead',
          teams: [],
          reason: 'looks good',
          via: 'ui',
        },
      ],
      [
        'rejectGate',
        {
          environment: 'qa',
          gate: 'signoff',
          version: d.version,
          actor: 'lead',
          teams: [],
          reason: 'smoke is red',
          via: 'ui',
        },
      ],
    ]);
  });

  it('refuses a forged POST and one without the scope, sending nothing; shows the workflow’s 403 and a superseded 409 on the page', async () => {
    const d = await awaitingGates('checkout');
    const forged = await (await signedIn(lead)).post(approveUrl(d), {}, { csrf: false });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('Form refused');
    const reader = await signedIn(api.tokens.reader);
    await reader.get(`/deployments/${d.number}`);
    const noScope = await reader.post(approveUrl(d));
    expect(noScope.status).toBe(403);
    expect(noScope.text).toMatch(/<p class="error-message" role="alert">this token lacks the scope deploy:approve/);
    expect(gateCalls(d)).toEqual([]);

    const outsiderClient = await signedIn(outsider);
    await outsiderClient.get(`/deployments/${d.number}`);
    api.temporal.answerUpdate('approveGate', () => {
      throw new WorkflowUpdateFailedError(
        'refused',
        new ApplicationFailure('outsider is not an approver of gate "signoff"', ErrorType.Forbidden, true),
      );
    });
    try {
      const refused = await outsiderClient.post(approveUrl(d));
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('outsider is not an approver of gate &quot;signoff&quot;');
      expect(refused.text).toContain(`#${d.number} checkout ${d.version}`);
    } finally {
      api.temporal.answerUpdate('approveGate', () => ({ duplicate: false }));
    }

    // A newer request of the service supersedes this one: no buttons, and a decision is refused (409).
    const newer = await awaitingGates('checkout');
    const client = await signedIn(lead);
    expect((await client.get(`/deployments/${d.number}`)).text).not.toContain('/gates/qa/signoff/');
    const late = await client.post(rejectUrl(d), { reason: 'too late' });
    expect(late.status).toBe(409);
    expect(late.text).toContain(`was superseded by #${newer.number}`);
    expect(gateCalls(d).filter((c) => (c.args[0] as { actor: string }).actor === 'lead')).toEqual([]);
  });
});
