// The jobs pages with app.request(): the folder tree, a job page with its builds, parameters (secret
// defaults as ***) and pull request/branch copies (titles as text), jobs Octopush's routes would
// shadow, and the run form shown and accepted only for those the API would let run the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuild } from '../../db/builds.js';
import { saveJob } from '../../db/jobs.js';
import { startApiHarness, type ApiHarness, type Role } from '../../test/support/api-harness.js';
import { uiAs } from '../../test/support/ui-as-role.js';

const XSS = '<script>alert("x")</script>';

let api: ApiHarness;
const as = (role: Role) => uiAs(api, role);
const job = (title: string, parameters: unknown[] = []) => ({
  title,
  parameters,
  stages: [{ title: 'Test', steps: [{ title: 'unit', command: 'true' }] }],
});

beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
services:
  checkout:
    group: 1
    deploy: { "*": { type: job, job: "deploy/checkout" } }
`,
  });
  const put = async (path: string, body: unknown) =>
    expect((await api.request('PUT', `/v1/jobs/${path}`, { body })).status).toBe(201);
  await put(
    'team/shop/ci',
    job(`Shop CI ${XSS}`, [
      { title: 'TARGET', default: 'eu' },
      { title: 'TOKEN', secret: true, default: 'default-secret-value' },
    ]),
  );
  await put('team/search/ci', job('Search CI'));
  await put('deploy/checkout', job('Deploy checkout'));
  await put('ci/status', job('A job Octopush would shadow'));
  // Copies as the forge-event workflow writes them (activities/job-links.ts ensureJobCopy).
  const parent = (await api.request('GET', '/v1/jobs/team/shop/ci')).body.definition;
  await saveJob(api.database.db, 'team/shop/ci/pr-25', parent, 'team/shop/ci', `Fix login ${XSS}`);
  await saveJob(api.database.db, 'team/shop/ci/branch-main', parent, 'team/shop/ci', 'main');
  await api.request('POST', '/v1/jobs/team/shop/ci/pr-25/builds', { body: {} });
  await api.request('POST', '/v1/jobs/team/shop/ci/builds', { body: { parameters: { TOKEN: 'given-secret' } } });
});
afterAll(async () => api?.close());

describe('the job tree', () => {
  it('lists folders and jobs (not the copies), titles as text', async () => {
    const html = await as('reader').page('/jobs');
    expect(html).toContain('<a href="/jobs/team">team/</a>');
    expect(html).toContain('<a href="/jobs/team/shop/ci">ci</a>');
    expect(html).toContain('Shop CI &lt;script&gt;');
    expect(html).not.toContain(XSS);
    expect(html).not.toContain('pr-25');
    expect(html).toContain('<a href="/jobs?job=ci%2Fstatus">status</a>');
  });

  it('shows one folder, and a 404 page for a path that is neither job nor folder', async () => {
    const html = await as('reader').page('/jobs/team/search');
    expect(html).toContain('Jobs in team/search');
    expect(html).not.toContain('/jobs/team/shop/ci');
    expect((await as('reader').get('/jobs/team/nothing')).status).toBe(404);
  });

  it('sends a visitor to sign in', async () => {
    const res = await as('reader').get('/jobs', { authorization: '' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Fjobs');
  });
});

describe('a job page', () => {
  it('shows builds, parameters with the secret default as ***, and the copies with their titles as text', async () => {
    const html = await as('reader').page('/jobs/team/shop/ci');
    expect(html).toContain('<h1>Shop CI &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</h1>');
    expect(html).toMatch(/<a href="\/builds\/bld-[0-9a-f]+-1">#1<\/a>/);
    expect(html).toContain('<td>admin</td>');
    expect(html).toContain('<td>***</td>');
    expect(html).not.toContain('default-secret-value');
    expect(html).not.toContain('given-secret');
    expect(html).toContain('<a href="/jobs/team/shop/ci/pr-25">pr-25</a>');
    expect(html).toContain('Pull request #25: <span class="copy-label">Fix login &lt;script&gt;');
    expect(html).toContain('<a href="/jobs/team/shop/ci/branch-main">branch-main</a>');
    expect(html).not.toContain(XSS);
  });

  it('shows a copy with what it was made for', async () => {
    const html = await as('reader').page('/jobs/team/shop/ci/pr-25');
    expect(html).toContain('Pull request #25 copy of <a href="/jobs/team/shop/ci">team/shop/ci</a>');
    expect(html).toContain('<q class="copy-label">Fix login &lt;script&gt;');
  });

  it('reaches a job whose path Octopush’s routes own through ?job=', async () => {
    expect(await as('reader').page('/jobs?job=ci%2Fstatus')).toContain('<h1>A job Octopush would shadow</h1>');
    const octopush = await api.app.request('/jobs/ci/status', { headers: { accept: 'text/html' } });
    expect(octopush.headers.get('content-type')).toMatch(/json/);
  });
});

describe('running a job', () => {
  it('shows the run form to a builder (secret fields empty) and not to a reader', async () => {
    const builder = await as('builder').page('/jobs/team/shop/ci');
    expect(builder).toContain('action="/jobs/team/shop/ci/builds"');
    expect(builder).toContain('<input type="password" name="param.TOKEN" autocomplete="off"/>');
    expect(builder).toContain('name="param.TARGET" value="eu"');
    expect(await as('reader').page('/jobs/team/shop/ci')).not.toContain('/builds"');
  });

  it('runs it through the API’s trigger for a builder, keeping the given secret out of the build row', async () => {
    const builder = as('builder');
    await builder.page('/jobs/team/shop/ci');
    const res = await builder.post('/jobs/team/shop/ci/builds', {
      'param.TARGET': 'us',
      'param.TOKEN': 'typed-secret',
    });
    expect(res.status).toBe(303);
    const id = decodeURIComponent(res.location!.replace('/builds/', ''));
    const build = (await findBuild(api.database.db, id))!;
    expect(build).toMatchObject({ jobPath: 'team/shop/ci', triggeredBy: 'builder' });
    expect(build.parameters).toEqual({ TARGET: 'us', TOKEN: '***' });
    expect(api.temporal.callsOf('start').some((c) => c.workflowId === id)).toBe(true);
  });

  it('refuses a reader’s forged POST, one without the CSRF token, and a builder on a deploy job', async () => {
    const starts = () => api.temporal.callsOf('start').length;
    const before = starts();
    const reader = as('reader');
    await reader.page('/jobs/team/shop/ci');
    expect((await reader.post('/jobs/team/shop/ci/builds')).status).toBe(403);
    const builder = as('builder');
    await builder.page('/jobs/team/shop/ci');
    expect((await builder.post('/jobs/team/shop/ci/builds', {}, { csrf: false })).status).toBe(403);
    expect(await builder.page('/jobs/deploy/checkout')).not.toContain('/builds"');
    const deploy = await builder.post('/jobs/deploy/checkout/builds');
    expect(deploy.status).toBe(403);
    expect(deploy.text).toContain('deploy/checkout');
    expect(starts()).toBe(before);
    expect(await as('admin').page('/jobs/deploy/checkout')).toContain('action="/jobs/deploy/checkout/builds"');
  });

  it('answers a bad parameter with the API’s message as a page', async () => {
    const builder = as('builder');
    await builder.page('/jobs/team/search/ci');
    const res = await builder.post('/jobs/team/search/ci/builds', { 'param.NOPE': 'x' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('NOPE');
  });
});
