// /hooks with app.request(): forge deliveries checked by signature and recorded in the inbox (the
// relay is only poked), and Jenkins notices that signal a deployment (Temporal faked).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../db/tokens.js';
import { correlationId } from '../../domain/ids.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { inboxRow } from '../../test/support/inbox-rows.js';
import { githubPush, vendorHeaders } from '../../test/support/webhooks.js';

const secret = 'whsec-route-test';
const privateSecret = 'whsec-acme-private';
let api: ApiHarness;
let provider: string;
beforeAll(async () => {
  api = await startApiHarness({
    secrets: { HOOK_SECRET: secret, PRIVATE_SECRET: privateSecret },
    configYaml: `${defaultConfigYaml}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET }
  tight: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 1 }
  flooded: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 2 }
  unset: { vendor: gitlab, secretEnv: NOT_SET }
repositories:
  acme/shop: { forge: github, branches: { job: team/shop/ci } }
  acme/quiet: { forge: tight, branches: { job: team/shop/ci } }
  acme/flood: { forge: flooded, branches: { job: team/shop/ci } }
  acme/private: { forge: github, secretEnv: PRIVATE_SECRET, branches: { job: team/shop/ci } }
  acme/unsecret: { forge: github, secretEnv: PRIVATE_NOT_SET, branches: { job: team/shop/ci } }
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

describe('/hooks/{forge}: what an attacker can send', () => {
  /** A delivery of raw bytes, as a forge's HTTP client sends them, signed over `signedBytes`. */
  const deliverBytes = async (body: Buffer, signedBytes: Buffer = body) => {
    const res = await api.app.request('/hooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(signedBytes).digest('hex')}`,
      },
      body,
    });
    return { status: res.status, body: await res.json() };
  };

  it('checks the HMAC over the raw bytes, so bytes that decode alike cannot be swapped under one signature', async () => {
    // A commit message carrying a byte that is not UTF-8 (0xff): decoded, it and 0xfe both become U+FFFD.
    const [before, after] = push('acme/shop').split('change on main');
    const signed = Buffer.concat([Buffer.from(`${before}change \xff`, 'latin1'), Buffer.from(`${after}`)]);
    expect(await deliverBytes(signed)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const swapped = Buffer.from(signed);
    swapped[swapped.indexOf(0xff)] = 0xfe;
    expect(await deliverBytes(swapped, signed)).toMatchObject({
      status: 401,
      body: { error: { message: 'X-Hub-Signature-256 does not match' } },
    });
  });

  it('rate-limits before any signature work: forged deliveries use up the limit, and over it even a bad signature gets 429', async () => {
    const forged = () => deliver('flooded', push('acme/flood'), { secret: 'guessed' });
    expect((await forged()).status).toBe(401);
    expect((await forged()).status).toBe(401);
    expect((await forged()).status).toBe(429);
    expect((await deliver('flooded', push('acme/flood'))).status).toBe(429);
  });

  it('answers a signed body replayed under a new delivery id `duplicate`, and starts nothing', async () => {
    const body = push('acme/shop');
    expect((await deliver('github', body, { delivery: 'captured' })).body.status).toBe('accepted');
    const pokes = api.pokes();
    expect((await deliver('github', body, { delivery: 'replayed' })).body).toEqual({
      status: 'duplicate',
      delivery: 'replayed',
    });
    expect(api.pokes()).toBe(pokes);
    expect(await inboxRow(api.database.db, 'github:replayed')).toBeUndefined();
  });

  it("verifies a repository's deliveries with its own secret only, and accepts that secret for no other repository", async () => {
    expect((await deliver('github', push('acme/private'), { secret: privateSecret })).body.status).toBe('accepted');
    // The forge's secret no longer proves events of acme/private...
    const forgeSigned = await deliver('github', push('acme/private'));
    expect(forgeSigned).toMatchObject({
      status: 401,
      body: { error: { message: 'X-Hub-Signature-256 does not match' } },
    });
    // ...and acme/private's secret proves nothing about acme/shop.
    expect((await deliver('github', push('acme/shop'), { secret: privateSecret })).status).toBe(401);
    // A repository whose own secret is unset is refused, not verified with the forge's.
    const unset = await deliver('github', push('acme/unsecret'));
    expect(unset).toMatchObject({
      status: 401,
      body: { error: { message: 'repository acme/unsecret has no webhook secret configured' } },
    });
  });

  it('answers prototype names and empty bodies with 4xx', async () => {
    expect((await deliver('constructor', push('acme/shop'))).status).toBe(404);
    expect((await deliver('__proto__', push('acme/shop'))).status).toBe(404);
    expect((await deliver('github', '')).status).toBe(400);
    const odd = await deliver('github', push('constructor'));
    expect(odd).toMatchObject({ status: 202, body: { status: 'ignored' } });
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
