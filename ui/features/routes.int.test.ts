// The features pages with app.request(): the list, and one feature's pull requests (titles as text,
// only http(s) links), branches, builds, artifacts, deployments and where its code runs now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerArtifact } from '../../db/artifacts.js';
import { describeFeature, linkFeature } from '../../db/features.js';
import { releases } from '../../db/schema.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { uiAs } from '../../test/support/ui-as-role.js';

const XSS = '<script>alert("x")</script>';
const KEY = 'acme/shop#42';

let api: ApiHarness;
let deploymentId: string;

beforeAll(async () => {
  api = await startApiHarness();
  const { db } = api.database;
  const link = { featureKey: KEY, repo: 'acme/shop' };
  await linkFeature(db, { ...link, kind: 'branch', ref: 'feature/42-login', detail: { commit: 'abc123def4567890' } });
  await linkFeature(db, {
    ...link,
    kind: 'pull_request',
    ref: '7',
    detail: { title: `Login ${XSS}`, action: 'opened', url: 'javascript:alert(1)' },
  });
  await linkFeature(db, {
    ...link,
    kind: 'build',
    ref: 'bld-feature-3',
    detail: { job: 'team/shop/ci/pr-7', number: 3, status: 'succeeded', commit: 'abc123def4567890' },
  });
  await describeFeature(db, {
    key: KEY,
    title: `Issue ${XSS}`,
    state: 'open',
    url: 'https://github.com/acme/shop/issues/42',
    provider: 'github-issues',
  });
  await registerArtifact(db, {
    service: 'checkout',
    module: 'checkout',
    digest: null,
    sourceUrl: null,
    version: '1.4.0',
    commit: 'abc123',
    buildId: 'bld-feature-3',
    registeredBy: 'build',
  });
  const requested = await api.request('POST', '/v1/deployments', { body: { service: 'checkout', version: '1.4.0' } });
  expect(requested.status, requested.text).toBeLessThan(300);
  deploymentId = requested.body.id;
  await db.insert(releases).values([
    { environment: 'preprod', service: 'checkout', version: '1.4.0', deploymentId },
    { environment: 'live', service: 'checkout', version: '1.4.0', deploymentId },
    { environment: 'live', service: 'checkout', version: '1.5.0', deploymentId: 'a-later-one' },
  ]);
});
afterAll(async () => api?.close());

describe('features', () => {
  it('lists features with their links, titles as text', async () => {
    const html = await uiAs(api, 'reader').page('/features');
    expect(html).toContain(`<a href="/features/${encodeURIComponent(KEY)}">${KEY}</a>`);
    expect(html).toContain('Issue &lt;script&gt;');
    expect(html).not.toContain(XSS);
  });

  it('shows a feature: where it runs now, pull requests, branches, builds and deployments', async () => {
    const html = await uiAs(api, 'reader').page(`/features/${encodeURIComponent(KEY)}`);
    expect(html).toContain('<a href="https://github.com/acme/shop/issues/42">');
    expect(html).toMatch(
      /<strong>preprod<\/strong>: checkout 1.4.0 <span class="status status-succeeded">running now<\/span>/,
    );
    expect(html).toMatch(/<strong>live<\/strong>: checkout 1.4.0 <span class="muted">since replaced by 1.5.0<\/span>/);
    expect(html).toContain('<span class="pr-title">Login &lt;script&gt;');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<code>feature/42-login</code>');
    expect(html).toContain('<a href="/builds/bld-feature-3">team/shop/ci/pr-7 #3</a>');
    expect(html).toContain(`<a href="/deployments/${encodeURIComponent(deploymentId)}">`);
    expect(html).not.toContain(XSS);
  });

  it('answers an unknown feature with a 404 page', async () => {
    const res = await uiAs(api, 'reader').get('/features/NOPE-1');
    expect(res.status).toBe(404);
    expect(res.text).toContain('There is no feature NOPE-1.');
  });
});
