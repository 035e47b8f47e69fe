// /figures with app.request(): the figures of seeded deployment records as SVG charts and tables,
// every name escaped, an empty state, a 400 page for a bad field, and sign-in for anonymous visitors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { recordFinishedDeployment, type EnvironmentRecord } from '../../test/support/deployment-records.js';

let api: ApiHarness;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const env = (environment: string, state: EnvironmentRecord['state'], finishedHoursAgo: number): EnvironmentRecord => ({
  environment,
  state,
  finishedAt: hoursAgo(finishedHoursAgo),
});
const hostile = '<script>alert("x")</script>';

beforeAll(async () => {
  api = await startApiHarness();
  const db = api.database.db;
  // checkout: two went live (lead times 1 h and 3 h to live), one failed in live 1 h after the second.
  await recordFinishedDeployment(db, {
    id: 'd1',
    service: 'checkout',
    requestedAt: hoursAgo(30),
    environments: [env('preprod', 'deployed', 29.5), env('live', 'deployed', 29)],
  });
  await recordFinishedDeployment(db, {
    id: 'd2',
    service: 'checkout',
    requestedAt: hoursAgo(10),
    environments: [env('preprod', 'deployed', 9), env('live', 'deployed', 7)],
  });
  await recordFinishedDeployment(db, {
    id: 'd3',
    service: 'checkout',
    requestedAt: hoursAgo(6),
    environments: [env('preprod', 'deployed', 5.5), env('live', 'failed', 5)],
  });
  // A service name only the records know, with markup in it.
  await recordFinishedDeployment(db, {
    id: 'd4',
    service: hostile,
    requestedAt: hoursAgo(3),
    environments: [env('live', 'deployed', 2)],
  });
});
afterAll(async () => api?.close());

const page = (path: string, as: 'reader' | null = 'reader') =>
  api.request('GET', path, { as, headers: { accept: 'text/html' } });

describe('/figures', () => {
  it('shows the figures of the window as charts and tables', async () => {
    const res = await page('/figures?window=7d&service=checkout&environment=live');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = res.text;
    // The form keeps the choices, and works as a plain GET.
    expect(html).toContain('<form method="get" action="/figures"');
    expect(html).toMatch(/<option value="7d" selected="">/);
    expect(html).toMatch(/<option value="checkout" selected="">checkout<\/option>/);
    expect(html).toMatch(/<option value="live" selected="">live<\/option>/);
    // Summary: 2 deployments; lead time median of 1 h and 3 h is 2 h, p90 2 h 48 min; 1 failed of 3.
    expect(html).toContain('<dd>2 (0.3 a day)</dd>');
    expect(html).toContain('<dd>2 h · 2 h 48 min</dd>');
    expect(html).toContain('<dd>33 % (1 of 3)</dd>');
    expect(html).toContain('<dd>– · –; 1 not restored</dd>');
    // Four charts, each an accessible SVG with a title, bars with titles, no style attributes.
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(4);
    expect(html).toContain('<title id="chart-deployments-title">Deployments</title>');
    const today = new Date().toISOString().slice(0, 10);
    expect(html).toMatch(new RegExp(`<title>${today}: \\d+</title>`));
    expect(html).not.toMatch(/\sstyle=|<script>|\son\w+=/);
    // The same numbers as tables.
    expect(html).toContain('<caption>Per day</caption>');
    expect(html).toMatch(
      /<th scope="row">checkout<\/th><td>live<\/td><td>2<\/td><td>2 h<\/td><td>2 h 48 min<\/td><td>33 % \(1\/3\)<\/td><td>not restored<\/td>/,
    );
  });

  it('escapes service names from the records and from the address', async () => {
    const all = await page('/figures?window=30d');
    expect(all.status).toBe(200);
    expect(all.text).not.toContain(hostile);
    expect(all.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const chosen = await page(`/figures?service=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`);
    expect(chosen.status).toBe(200);
    expect(chosen.text).not.toContain('<img src=x');
    expect(chosen.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('says so when nothing finished in the window', async () => {
    const res = await page('/figures?window=90d&service=search');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No deployment finished for search in all environments in this window.');
    expect(res.text).not.toContain('<svg');
    expect(res.text).toMatch(/<option value="90d" selected="">/);
  });

  it('groups 90 days by week unless asked otherwise', async () => {
    expect((await page('/figures?window=90d')).text).toContain('<caption>Per week</caption>');
    expect((await page('/figures?window=90d&bucket=day')).text).toContain('<caption>Per day</caption>');
  });

  it('answers a bad field with a 400 page naming it', async () => {
    const res = await page('/figures?window=1y');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('window: one of 7d, 30d, 90d');
    expect((await page('/figures?bucket=hour')).text).toContain('bucket: day or week');
    expect((await page(`/figures?service=${'s'.repeat(201)}`)).status).toBe(400);
  });

  it('sends an anonymous visitor to sign in', async () => {
    const res = await page('/figures?window=30d', null);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/figures?window=30d')}`);
  });
});
