// Sign-in, sign-out and /admin in a real Chromium against a real Slipway API on loopback: GitHub
// sign-in through the OAuth fake as an allowed and a refused user, token sign-in, forged POSTs (from
// another origin, and by a signed-in user without the scope) refused, pause/resume, token create/revoke.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveLoopback } from '../test/fakes/loopback.js';
import { startFakeGitHubOAuth, type FakeGitHubOAuth } from '../test/fakes/github-oauth.js';
import { launchBrowser, screenshot, signInWithToken } from '../test/support/browser.js';
import { startStack, type Stack } from '../test/support/stack.js';

let gh: FakeGitHubOAuth;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  gh = await startFakeGitHubOAuth();
  gh.addUser('carol', [
    { org: 'acme', slug: 'frontend' },
    { org: 'acme', slug: 'release' },
  ]);
  gh.addUser('dave', [{ org: 'acme', slug: 'devs' }]);
  gh.addUser('mallory', [{ org: 'elsewhere', slug: 'release' }]);
  stack = await startStack({
    inProcessWorker: false,
    publicUrl: null,
    env: { GH_CLIENT_SECRET: gh.clientSecret },
    configYaml: `
services:
  checkout: { deploy: { "*": { type: docker, image: busybox, command: "true" } } }
ui:
  github:
    clientId: ${gh.clientId}
    clientSecretEnv: GH_CLIENT_SECRET
    webUrl: ${gh.webUrl}
    apiUrl: ${gh.apiUrl}
    teams:
      acme/release: [read, deploy:approve:checkout]
      acme/devs: [read]
`,
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await gh?.close();
});

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page };
}

async function signInWithGitHub(page: Page, login: string) {
  gh.signInAs(login);
  await page.goto(`${stack.url}/login`);
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  await page.waitForLoadState();
}

const paused = async (env: string) => (await stack.call('GET', `/v1/environments/${env}/queue`)).body.paused;

describe('sign-in in a browser', () => {
  it('signs in through GitHub as a member of the release team, with its scopes, and signs out', async () => {
    const { context, page } = await freshPage();
    await signInWithGitHub(page, 'carol');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('.viewer strong').textContent()).resolves.toBe('carol');
    await page.goto(`${stack.url}/login`);
    await expect(page.locator('code.scopes').textContent()).resolves.toBe('read deploy:approve:checkout');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'slipway_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    for (const secret of [gh.clientSecret, ...gh.issuedTokens()])
      expect(JSON.stringify(cookies) + (await page.content())).not.toContain(secret);
    // carol may approve checkout, not administer: /admin shows her no buttons.
    await page.goto(`${stack.url}/admin`);
    await expect(page.locator('details.action-form').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.url}/`);
    await expect(page.getByRole('link', { name: 'Sign in' }).first().isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('refuses a GitHub account in no mapped team', async () => {
    const { context, page } = await freshPage();
    await signInWithGitHub(page, 'mallory');
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'The GitHub account mallory is in no team this Slipway grants rights to',
    );
    await expect(page.locator('.viewer strong').count()).resolves.toBe(0);
    await context.close();
  });

  it("refuses a reader's forged admin POST, even with a valid CSRF token", async () => {
    const { context, page } = await freshPage();
    await signInWithGitHub(page, 'dave');
    await page.goto(`${stack.url}/admin`);
    await expect(page.locator('form[action^="/admin/queue"]').count()).resolves.toBe(0);
    // Build the form an admin would see, with dave's own CSRF token, and submit it.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    // A string: this file is type-checked without the DOM library.
    await page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/admin/queue/pause';
      const field = document.createElement('input');
      Object.assign(field, { type: 'hidden', name: '_csrf', value: ${JSON.stringify(csrf)} });
      form.append(field);
      document.body.append(form);
      form.submit();
    })()`);
    await page.waitForLoadState();
    await expect(page.locator('h1').textContent()).resolves.toBe('Not allowed');
    await expect(page.locator('.error-message').textContent()).resolves.toBe('dave lacks the scope admin.');
    expect(await paused('live')).toBe(false);
    await context.close();
  });

  it('refuses a form posted from another site to a signed-in admin', async () => {
    const attacker = await serveLoopback(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="post" action="${stack.url}/admin/queue/pause"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    try {
      const { context, page } = await freshPage();
      await signInWithToken(page, stack.url, stack.tokens.admin);
      await page.goto(attacker.root);
      await page.waitForURL(`${stack.url}/admin/queue/pause`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Form refused');
      expect(await paused('preprod')).toBe(false);
      await context.close();
    } finally {
      await attacker.close();
    }
  });
});

describe('/admin in a browser', () => {
  it('pauses and resumes, creates a token shown once and revokes it; screenshots /login and /admin', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${stack.url}/login`);
    await screenshot(page, 'login');
    await signInWithToken(page, stack.url, stack.tokens.admin);
    await page.goto(`${stack.url}/admin`);

    await page.locator('summary', { hasText: 'Pause live' }).click();
    await page.getByRole('button', { name: 'Confirm Pause live' }).click();
    await page.waitForURL(`${stack.url}/admin?done=paused`);
    expect(await paused('live')).toBe(true);
    expect(await paused('preprod')).toBe(false);
    await expect(page.getByRole('row', { name: /live/ }).locator('.badge').textContent()).resolves.toBe('paused');

    await page.locator('summary', { hasText: 'Resume live' }).click();
    await page.getByRole('button', { name: 'Confirm Resume live' }).click();
    await page.waitForURL(`${stack.url}/admin?done=resumed`);
    expect(await paused('live')).toBe(false);

    await page.getByLabel('Name').fill('deploy-bot');
    await page.getByLabel('read', { exact: true }).check();
    await page.getByLabel(/Scopes for one service/).fill('deploy:request:checkout');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('#new-token-secret').textContent())!.trim();
    expect(secret).toMatch(/^slw_/);
    expect((await stack.call('GET', '/v1/services', { token: secret })).status).toBe(200);
    await screenshot(page, 'admin');

    await page.goto(`${stack.url}/admin`);
    expect(await page.content()).not.toContain(secret);
    await page.locator('summary', { hasText: 'Revoke deploy-bot' }).click();
    await page.getByRole('button', { name: 'Confirm Revoke deploy-bot' }).click();
    await page.waitForURL(`${stack.url}/admin?done=revoked`);
    expect((await stack.call('GET', '/v1/services', { token: secret })).status).toBe(401);
    await context.close();
  });
});
