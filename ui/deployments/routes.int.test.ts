// The board and the deployment pages with app.request(): a real database, Temporal faked (Go Live,
// cancel and rollback reach it as the API's own Updates and starts), sessions signed in with tokens.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PubSub } from '../../db/client.js';
import { insertRequestedDeployment, notifyDeploymentChanged, recordDeployment } from '../../db/deployments.js';
import { setPauseSwitch } from '../../db/environment-queues.js';
import { createToken } from '../../db/tokens.js';
import { initialState, type DeploymentState } from '../../domain/deployment-state.js';
import { servicePlan } from '../../domain/service-plan.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { uiClient, type UiClient } from '../../test/support/ui-client.js';

const docker = '{ "*": { type: docker, image: "busybox", command: "true" } }';
const configYaml = `
services:
  checkout: { group: 1, approvers: [lead], deploy: ${docker} }
  search: { group: 2, deploy: ${docker} }
`;
const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';

let api: ApiHarness;
let listens = 0;
let lead: string;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml,
    deps: () => ({ temporalUiUrl: 'http://temporal.test:8233' }),
  });
  lead = (await createToken(api.database.db, 'lead', ['deploy:approve'], 'test')).token;
});
afterAll(async () => api?.close());

let serial = 0;
/** A deployment as the API inserts it, then as its workflow stores it after `change`. */
async function seed(
  service: string,
  version: string,
  change: (s: DeploymentState) => void = () => {},
  requestor = 'dev',
) {
  const plan = servicePlan(api.config, service)!;
  const now = new Date().toISOString();
  const id = `${service}-${version}-${++serial}`;
  const state = initialState({ id, number: 0, version, requestor, plan, startAtLast: false, rollbackOf: null }, now);
  const row = await insertRequestedDeployment(api.database.db, { ...state, seq: 0 }, { service, requestKey: id });
  state.number = row!.number;
  state.waitingOn = { kind: 'lock', environment: 'preprod', since: now };
  change(state);
  state.seq += 1;
  await recordDeployment(api.database.db, state);
  return state;
}

const at = (s: DeploymentState, env: string) => s.environments.find((e) => e.environment === env)!;
const now = () => new Date().toISOString();
function awaitingGoLive(s: DeploymentState) {
  s.status = 'TESTS_PASSED';
  s.phase = 'awaiting-approval';
  Object.assign(at(s, 'preprod'), {
    state: 'deployed',
    output: 'deployed to preprod',
    tests: { passed: true, at: now(), by: 'ci' },
  });
  s.waitingOn = {
    kind: 'approval',
    environment: 'live',
    approvalsNeeded: 1,
    approvers: ['lead'],
    dueAt: '2030-01-01T00:00:00Z',
  };
  s.transitions.push({
    seq: 2,
    from: 'QUEUED',
    to: 'TESTS_PASSED',
    phase: 'awaiting-tests',
    actor: 'ci',
    reason: 'tests passed in preprod',
    at: now(),
  });
}
function live(s: DeploymentState) {
  s.status = 'GO_LIVE_DONE';
  s.phase = 'finished';
  s.outcome = { status: 'succeeded', message: 'live' };
  s.waitingOn = null;
  s.environment = 'live';
  for (const e of s.environments) Object.assign(e, { state: 'deployed', finishedAt: now() });
}

async function signedIn(token: string | null): Promise<UiClient> {
  const client = uiClient(api.app);
  if (token) expect((await client.post('/login', { token })).status).toBe(303);
  return client;
}

describe('the environments board', () => {
  it('sends a visitor without read to sign in', async () => {
    const res = await (await signedIn(null)).get('/');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2F');
  });

  it('shows each environment: pause state, queued, in progress with its wait in words, recently deployed; and the versions', async () => {
    const queued = await seed('search', '1.0.0');
    const waiting = await seed('checkout', '2.0.0', awaitingGoLive);
    await seed('search', '0.9.0', live);
    await setPauseSwitch(api.database.db, 'live', true, 'ops');
    const page = await (await signedIn(api.tokens.reader)).get('/');
    expect(page.status).toBe(200);
    const html = page.text;
    const column = (env: string) =>
      html.slice(
        html.indexOf(`data-environment="${env}"`),
        html.indexOf('</section>', html.indexOf(`data-environment="${env}"`)),
      );
    const preprod = column('preprod');
    expect(preprod).toContain('Accepting deployments');
    expect(preprod.slice(preprod.indexOf('class="queued"'), preprod.indexOf('class="in-progress"'))).toContain(
      `data-deployment="${queued.id}"`,
    );
    expect(preprod.slice(preprod.indexOf('class="in-progress"'), preprod.indexOf('class="recent"'))).toContain(
      `data-deployment="${waiting.id}"`,
    );
    expect(preprod).toContain('Waiting for the preprod lock.');
    expect(preprod).toContain('Waiting for Go Live to live: 1 approval needed from lead, by 2030-01-01 00:00 UTC.');
    expect(preprod).toMatch(/class="recent".*search 0\.9\.0/s);
    expect(column('live')).toContain('Paused by ops since');
    expect(html.indexOf('data-environment="preprod"')).toBeLessThan(html.indexOf('data-environment="live"'));
    const versions = html.slice(html.indexOf('<table class="versions"'));
    expect(versions).toMatch(
      /<th scope="row">search<\/th><td data-environment="preprod"><a [^>]*>0\.9\.0<\/a><\/td><td data-environment="live"><a [^>]*>0\.9\.0<\/a>/,
    );
    expect(versions).toMatch(
      /<th scope="row">checkout<\/th><td data-environment="preprod"><a [^>]*>2\.0\.0<\/a><\/td><td data-environment="live">—<\/td>/,
    );
    // The board is a live fragment, and the fragment answers on its own.
    expect(html).toContain('data-live-url="/ui/fragments/board"');
    expect(html).toContain('<script src="/ui/static/live.js" defer="">');
    const fragment = await (await signedIn(api.tokens.reader)).get('/ui/fragments/board');
    expect(fragment.text.startsWith('<div id="board"')).toBe(true);
    await setPauseSwitch(api.database.db, 'live', false, 'ops');
  });
});

describe('/deployments', () => {
  it('filters by service, status and environment, and refuses an unknown filter value naming it', async () => {
    const client = await signedIn(api.tokens.reader);
    const search = await client.get('/deployments?service=search&status=&environment=');
    expect(search.status).toBe(200);
    expect(search.text).toContain('<option value="search" selected="">search</option>');
    const services = [...search.text.matchAll(/<tr data-deployment="([^"]+)">/g)].map((m) => m[1]!.split('-')[0]);
    expect(services.length).toBeGreaterThan(0);
    expect(new Set(services)).toEqual(new Set(['search']));
    const passed = await client.get('/deployments?status=TESTS_PASSED');
    expect([...passed.text.matchAll(/<tr data-deployment=/g)].length).toBeGreaterThan(0);
    expect(passed.text).not.toContain('>QUEUED</span></td>');
    const inLive = await client.get('/deployments?environment=live');
    expect(inLive.text).toContain('search-0.9.0');
    expect(inLive.text).not.toContain('search-1.0.0');
    for (const [query, field] of [
      ['service=nope', 'service'],
      ['status=LOST', 'status'],
      ['environment=mars', 'environment'],
      ['before=-1', 'before'],
      ['after=abc', 'after'],
    ]) {
      const bad = await client.get(`/deployments?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.text).toContain(`The filter &quot;${field}&quot;`);
    }
  });

  it('pages newest first in a stable order, with links to older and newer pages', async () => {
    for (let i = 0; i < 30; i++) await seed('search', `5.0.${i}`);
    const client = await signedIn(api.tokens.reader);
    const numbers = (html: string) =>
      [...html.matchAll(/<tr data-deployment="[^"]+"><td><a href="\/deployments\/(\d+)">/g)].map((m) => Number(m[1]));
    const first = await client.get('/deployments');
    const page1 = numbers(first.text);
    expect(page1).toHaveLength(25);
    expect(page1).toEqual([...page1].sort((a, b) => b - a));
    expect(first.text).not.toContain('← Newer');
    const older = /href="(\/deployments\?before=\d+)">Older →/.exec(first.text)![1]!;
    const second = await client.get(older.replace(/&amp;/g, '&'));
    const page2 = numbers(second.text);
    expect(page2[0]).toBe(page1.at(-1)! - 1);
    expect(second.text).toContain('← Newer');
    const newer = /href="(\/deployments\?after=\d+)">← Newer/.exec(second.text)![1]!;
    expect(numbers((await client.get(newer)).text)).toEqual(page1);
    // Filters are kept across pages.
    const filtered = await client.get('/deployments?service=search');
    expect(/href="\/deployments\?service=search&amp;before=\d+">Older/.test(filtered.text)).toBe(true);
  });
});

describe('a deployment page', () => {
  it('shows the timeline with actors and reasons, each environment, tests, approvals, the wait in words and the Temporal link', async () => {
    const d = await seed('checkout', '3.0.0', (s) => {
      awaitingGoLive(s);
      s.testJobUrl = 'http://ci.test/job/tests/7/';
      at(s, 'preprod').jenkins = {
        buildNumber: 12,
        buildUrl: 'http://jenkins.test/job/deploy/12/',
        consoleUrl: 'http://jenkins.test/job/deploy/12/console',
      };
      at(s, 'live').build = { id: 'b-1', job: 'deploy/checkout', number: 4, status: 'succeeded' };
    });
    const client = await signedIn(api.tokens.reader);
    for (const ref of [d.id, String(d.number)]) {
      const page = await client.get(`/deployments/${encodeURIComponent(ref)}`);
      expect(page.status, ref).toBe(200);
      expect(page.text).toContain(`#${d.number} checkout 3.0.0`);
    }
    const html = (await client.get(`/deployments/${d.number}`)).text;
    expect(html).toMatch(/QUEUED<\/span>.*by dev.*requested/s);
    expect(html).toMatch(
      /QUEUED → <span class="status status-tests-passed">TESTS_PASSED<\/span> <span class="actor">by ci<\/span><span class="reason">: tests passed in preprod<\/span>/,
    );
    expect(html).toContain('href="http://jenkins.test/job/deploy/12/"');
    expect(html).toContain('href="http://jenkins.test/job/deploy/12/console"');
    expect(html).toContain('href="/jobs/deploy/checkout/builds/4"');
    expect(html).toMatch(/<span class="tests-passed">passed<\/span> reported by ci/);
    expect(html).toContain('href="http://ci.test/job/tests/7/"');
    expect(html).toContain('<pre class="output">deployed to preprod</pre>');
    expect(html).toContain('Waiting for Go Live to live: 1 approval needed from lead');
    expect(html).toContain(`href="http://temporal.test:8233/namespaces/default/workflows/${encodeURIComponent(d.id)}"`);
    expect(html).toContain('No Go Live yet.');
    expect(html).toContain(`data-live-id="${d.id}"`);
    expect((await client.get('/deployments/999999')).status).toBe(404);
  });

  it('renders every value as text: requestor, version, output and reason cannot inject markup', async () => {
    const d = await seed(
      'search',
      `9.9.9${XSS}`,
      (s) => {
        live(s);
        at(s, 'preprod').output = `line 1\n${XSS}`;
        s.transitions.push({
          seq: 2,
          from: 'QUEUED',
          to: 'GO_LIVE_DONE',
          phase: 'finished',
          actor: XSS,
          reason: XSS,
          at: now(),
        });
      },
      XSS,
    );
    const client = await signedIn(api.tokens.admin);
    for (const path of [`/deployments/${d.number}`, '/deployments', '/']) {
      const html = (await client.get(path)).text;
      expect(html, path).not.toContain('<script>alert');
      expect(html, path).not.toContain('<img src=x');
      expect(html, path).toContain(
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;',
      );
    }
  });
});
