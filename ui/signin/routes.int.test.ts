// Sign-in with app.request(): an API token (POST /login), GitHub through the loopback fake (real
// OAuth wire format, paginated teams), sign-out, where a sign-in may return to, and that no secret
// reaches a page or a cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../db/tokens.js';
import { startFakeGitHubOAuth, type FakeGitHubOAuth } from '../../test/fakes/github-oauth.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { uiClient, type UiClient } from '../../test/support/ui-client.js';

let api: ApiHarness;
let gh: FakeGitHubOAuth;

beforeAll(async () => {
  gh = await startFakeGitHubOAuth();
  // 130 teams: the mapped one is on the second page of /user/teams.
  const filler = Array.from({ length: 129 }, (_, i) => ({ org: 'acme', slug: `team-${i}` }));
  gh.addUser('alice', [...filler, { org: 'acme', slug: 'release' }]);
  gh.addUser('bob', [{ org: 'acme', slug: 'devs' }]);
  gh.addUser('mallory', [{ org: 'elsewhere', slug: 'release' }]);
  api = await startApiHarness({
    configYaml: `${defaultConfigYaml}
ui:
  github:
    clientId: ${gh.clientId}
    clientSecretEnv: GH_CLIENT_SECRET
    webUrl: ${gh.webUrl}
    apiUrl: ${gh.apiUrl}
    teams:
      acme/release: [deploy:approve:checkout]
      acme/devs: [read]
`,
    secrets: { GH_CLIENT_SECRET: gh.clientSecret },
  });
});
afterAll(async () => {
  await api?.close();
  await gh?.close();
});

const signedInAs = (html: string) => /Signed in as <strong>([^<]*)<\/strong>/.exec(html)?.[1] ?? null;
const cookieText = (client: UiClient) => [...client.cookies().values()].join(';');

async function gitHubSignIn(client: UiClient, login: string, next = '/') {
  gh.signInAs(login);
  const start = await client.get(`/login/github?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.location!);
  expect(authorize.origin + authorize.pathname).toBe(`${gh.webUrl}/login/oauth/authorize`);
  expect(authorize.searchParams.get('client_id')).toBe(gh.clientId);
  expect(authorize.searchParams.get('scope')).toBe('read:org');
  const back = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(back.headers.get('location')!);
  expect(callback.pathname).toBe('/login/github/callback');
  return client.get(callback.pathname + callback.search);
}

describe('token sign-in', () => {
  it('signs in with a token, shows its name, and keeps no secret in the cookie', async () => {
    const client = uiClient(api.app);
    const login = await client.get('/login?next=/admin');
    expect(login.status).toBe(200);
    expect(login.text).toContain('name="token"');
    expect(login.text).toContain('Sign in with GitHub');
    const res = await client.post('/login', { token: api.tokens.reader, next: '/admin' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin');
    expect(signedInAs((await client.get('/')).text)).toBe('reader');
    expect(cookieText(client)).not.toContain(api.tokens.reader);
  });

  it('refuses an unknown token with the form again', async () => {
    const client = uiClient(api.app);
    const res = await client.post('/login', { token: 'slw_nope' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('That token is unknown or revoked.');
    expect(res.text).not.toContain('slw_nope');
    expect(signedInAs((await client.get('/')).text)).toBeNull();
  });

  it('returns only to a path of this site', async () => {
    for (const [next, expected] of [
      ['/deployments?service=a', '/deployments?service=a'],
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'],
      ['javascript:alert(1)', '/'],
      ['/logout', '/'],
    ]) {
      const client = uiClient(api.app);
      const res = await client.post('/login', { token: api.tokens.reader, next: next! });
      expect(res.location, next).toBe(expected);
    }
  });

  it('ends the session when its token is revoked', async () => {
    const { token, info } = await createToken(api.database.db, 'short-lived', ['read'], 'test');
    const client = uiClient(api.app);
    await client.post('/login', { token });
    expect(signedInAs((await client.get('/')).text)).toBe('short-lived');
    expect((await api.request('DELETE', `/v1/tokens/${info.id}`)).status).toBe(200);
    expect(signedInAs((await client.get('/')).text)).toBeNull();
  });

  it('escapes what it shows: a token name cannot inject markup', async () => {
    const { token } = await createToken(api.database.db, '<script>alert(1)</script><b onclick=x>', ['read'], 'test');
    const client = uiClient(api.app);
    await client.post('/login', { token });
    const html = (await client.get('/')).text;
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b onclick');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('signs out with the CSRF token only, and the old token dies with the session', async () => {
    const client = uiClient(api.app);
    await client.post('/login', { token: api.tokens.admin });
    const before = await client.csrf();
    expect((await client.post('/logout', {}, { csrf: false })).status).toBe(403);
    expect(signedInAs((await client.get('/')).text)).toBe('admin');
    const out = await client.post('/logout', { _csrf: before });
    expect(out.status).toBe(303);
    expect(signedInAs((await client.get('/')).text)).toBeNull();
    expect((await client.post('/logout', { _csrf: before })).status).toBe(403);
  });

  it('refuses a sign-in POST without the CSRF token (login CSRF)', async () => {
    const client = uiClient(api.app);
    const res = await client.post('/login', { token: api.tokens.admin }, { csrf: false });
    expect(res.status).toBe(403);
    expect(signedInAs((await client.get('/')).text)).toBeNull();
  });
});

describe('GitHub sign-in', () => {
  it('signs in a member of a mapped team (teams read across pages), with the login as the name', async () => {
    const client = uiClient(api.app);
    const res = await gitHubSignIn(client, 'alice', '/deployments');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/deployments');
    const html = (await client.get('/')).text;
    expect(signedInAs(html)).toBe('alice');
    expect(html).toContain('(GitHub)');
    expect(gh.requests().filter((r) => r.path.startsWith('/api/v3/user/teams'))).toHaveLength(2);
    const secrets = [gh.clientSecret, ...gh.issuedTokens()];
    for (const secret of secrets) {
      expect(cookieText(client)).not.toContain(secret);
      expect(html).not.toContain(secret);
    }
  });

  it('refuses a GitHub account in no mapped team', async () => {
    const client = uiClient(api.app);
    const res = await gitHubSignIn(client, 'mallory');
    expect(res.status).toBe(403);
    expect(res.text).toContain('The GitHub account mallory is in no team this Slipway grants rights to');
    expect(signedInAs((await client.get('/')).text)).toBeNull();
  });

  it('refuses a callback this browser did not start (state), and a reused code', async () => {
    const victim = uiClient(api.app);
    gh.signInAs('bob');
    const start = await victim.get('/login/github');
    const back = await fetch(start.location!, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    const attacker = uiClient(api.app);
    await attacker.get('/login');
    const forged = await attacker.get(callback.pathname + callback.search);
    expect(forged.status).toBe(403);
    expect(signedInAs((await attacker.get('/')).text)).toBeNull();
    const tampered = new URLSearchParams(callback.search);
    tampered.set('state', 'other');
    expect((await victim.get(`${callback.pathname}?${tampered}`)).status).toBe(403);
  });

  it('answers a failed code exchange with a page, not a 500, and logs no secret', async () => {
    const client = uiClient(api.app);
    gh.signInAs('bob');
    const start = await client.get('/login/github');
    const state = new URL(start.location!).searchParams.get('state')!;
    const res = await client.get(`/login/github/callback?code=wrong&state=${state}`);
    expect(res.status).toBe(502);
    expect(res.text).toContain('GitHub sign-in failed');
    expect(res.text).not.toContain(gh.clientSecret);
  });
});
