// /hooks with app.request(): forge deliveries checked by signature and recorded in the inbox (the
// relay is only poked), and Jenkins notices that signal a deployment (Temporal faked).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../db/tokens.js';
import { correlationId } from '../../domain/ids.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { githubPush, vendorHeaders } from '../../test/support/webhooks.js';

const secret = 'whsec-route-test';
let api: ApiHarness;
let provider: string;
beforeAll(async () => {
  api = await startApiHarness({
    secrets: { HOOK_SECRET: secret },
    configYaml: `${defaultConfigYaml}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET }
  tight: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 1 }
  unset: { vendor: gitlab, secretEnv: NOT_SET }
repositories:
  acme/shop: { forge: github, branches: { job: team/shop/ci } }
  acme/quiet: { forge: tight, branches: { job: team/shop/ci } }
`,
  });
  provider = (await createToken(api.database.db, 'ci-jenkins', ['provider'], 'test')).token;
});
afterAll(async () => api?.close());

const push = (repo: string) => JSON.stringify(githubPush(repo, 'main', randomBytes(20).toString('hex')));
const deliver = (forge: string, body: string, opts: { secret?: string; delivery?: string } = {}) =>
  api.request('POST', `/hooks/${forge}`, {
    as: null,
    body,
    headers: vendorHeaders('github', 'push', body, opts.secret ?? secret, opts.delivery),
  });

describe('/hooks/{forge}', () => {
  it('records a signed delivery, pokes the relay and answers 202; a redelivery is a duplicate', async () => {
    const body = push('acme/shop');
    const first = await deliver('github', body, { delivery: 'd-1' });
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted', delivery: 'd-1', events: 1 } });
    expect(api.pokes()).toBe(1);
    expect((await deliver('github', body, { delivery: 'd-1' })).body).toEqual({ status: 'duplicate', delivery: 'd-1' });
    expect(api.pokes()).toBe(1);
  });

  it('ignores repositories linked to no job, with the reason', async () => {
    const res = await deliver('github', push('acme/other'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'ignored', reason: 'repository acme/other is not linked to any job' });
  });

  it('refuses bad signatures and unconfigured secrets with 401, unknown forges with 404, bodies that are not JSON with 400', async () => {
    expect((await deliver('github', push('acme/shop'), { secret: 'wrong' })).status).toBe(401);
    expect((await api.request('POST', '/hooks/github', { as: null, body: push('acme/shop') })).body.error.message).toBe(
      'missing X-Hub-Signature-256',
    );
    expect((await api.request('POST', '/hooks/unset', { as: null, body: '{}' })).status).toBe(401);
    expect((await deliver('nope', push('acme/shop'))).status).toBe(404);
    const malformed = await deliver('github', '{not json');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('body');
  });

  it('rate-limits a source with 429 and Retry-After', async () => {
    expect((await deliver('tight', push('acme/quiet'))).status).toBe(202);
    const limited = await deliver('tight', push('acme/quiet'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('/hooks/jenkins', () => {
  const notice = (parameters: Record<string, string>) => ({
    name: 'deploy-checkout',
    url: 'job/release/job/deploy-checkout/',
    build: {
      number: 12,
      phase: 'COMPLETED',
      status: 'SUCCESS',
      full_url: 'https://ci.example/job/release/job/deploy-checkout/12/',
      parameters,
    },
  });

  it('signals the deployment its correlation parameter names', async () => {
    const res = await api.request('POST', '/hooks/jenkins', {
      as: 'reporter',
      body: notice({ SLIPWAY_DEPLOYMENT: correlationId('dep-abc', 'preprod') }),
    });
    expect(res).toMatchObject({ status: 200, body: { accepted: true } });
    expect(api.temporal.callsOf('signal').at(-1)).toMatchObject({
      workflowId: 'dep-abc',
      name: 'jenkinsNotified',
      args: [{ environment: 'preprod', phase: 'COMPLETED', buildNumber: 12 }],
    });
  });

  it('links a CI build to the features of its branch (provider token, or access_token in the query)', async () => {
    const res = await api.request('POST', '/hooks/jenkins', {
      as: { token: provider },
      body: notice({ BRANCH_NAME: 'origin/feature/ABC-9-cart' }),
    });
    expect(res).toMatchObject({ status: 202, body: { accepted: true, features: ['ABC-9'] } });
    const query = await api.request('POST', `/hooks/jenkins?access_token=${provider}`, {
      as: null,
      body: notice({ BRANCH_NAME: 'main' }),
    });
    expect(query).toMatchObject({ status: 202, body: { accepted: false } });
  });

  it('needs deploy:report or provider, and a JSON notice', async () => {
    expect((await api.request('POST', '/hooks/jenkins', { as: null, body: notice({}) })).status).toBe(401);
    expect((await api.request('POST', '/hooks/jenkins', { as: 'reader', body: notice({}) })).status).toBe(403);
    const malformed = await api.request('POST', '/hooks/jenkins', { as: 'reporter', body: 'nope' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('body');
    const badNumber = await api.request('POST', '/hooks/jenkins', {
      as: 'reporter',
      body: { build: { number: 'twelve' } },
    });
    expect(badNumber.body.error.field).toBe('build.number');
  });
});

describe('/hooks/openapi.json', () => {
  it('documents the hooks', async () => {
    const doc = (await api.request('GET', '/hooks/openapi.json', { as: null })).body;
    expect(Object.keys(doc.paths).sort()).toEqual(['/jenkins', '/{forge}']);
    expect(doc.servers).toEqual([{ url: '/hooks' }]);
  });
});
