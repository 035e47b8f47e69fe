// The jobs dashboard in a real browser on a real stack (Temporal dev server, worker, Docker build
// host, Postgres): a running build's log followed to its end without a reload, ANSI colours as
// classes, markup in a log line and in a pull request title (through a signed GitHub webhook)
// shown as text; screenshots of a job page, a build page and a feature page under test-results/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, signInWithToken } from '../test/support/browser.js';
import { eventually, startStack, type Stack } from '../test/support/stack.js';
import { githubPullRequest, vendorHeaders } from '../test/support/webhooks.js';

const secret = 'whsec-ui-jobs-1234567890';
const LOG_XSS = '<img src=x onerror="window.__xss=1">';
const TITLE_XSS = 'ABC-7 fix login <img src=x onerror="window.__xss=2">';

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack({
    env: { HOOK_SECRET: secret },
    configYaml: `
services: {}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET }
repositories:
  acme/shop: { forge: github, pullRequests: { job: team/shop/ci } }
`,
  });
  const put = await stack.call('PUT', '/v1/jobs/team/shop/ci', {
    body: {
      title: 'Shop CI',
      stages: [
        {
          title: 'Build',
          steps: [
            {
              title: 'compile',
              // Pull request copies finish at once; the direct build streams a line a second.
              command: `printf '\\033[1;32mcompiled\\033[0m\\n'; echo '${LOG_XSS}'; case "$SLIPWAY_JOB" in */pr-*) ;; *) for i in 1 2 3 4 5 6; do echo "line-$i"; sleep 1; done;; esac`,
            },
          ],
        },
        { title: 'Test', steps: [{ title: 'unit', command: 'echo unit-start; exit 1' }] },
      ],
    },
  });
  expect(put.status, put.text).toBe(201);
  browser = await launchBrowser();
  page = await browser.newPage();
  await signInWithToken(page, stack.url, stack.tokens.admin);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the build page in a browser', () => {
  it('follows a running build’s log to its end without a reload, colours as classes, markup as text', async () => {
    const build = (await stack.call('POST', '/v1/jobs/team/shop/ci/builds', { body: {} })).body;
    await page.goto(`${stack.url}/builds/${build.id}`);
    await page.evaluate('window.samePage = true');
    const log = page.locator('[data-build-log]');
    expect(await log.textContent()).not.toContain('line-6');

    await log.getByText('line-6').waitFor({ timeout: 60_000 });
    await page.locator('[data-build-status]').getByText('failed', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.samePage')).toBe(true);
    expect(await log.locator('.ansi-bold.ansi-fg-2').first().textContent()).toBe('compiled');
    expect(await log.textContent()).toContain(LOG_XSS);
    expect(await log.textContent()).toContain('unit-start');
    expect(await log.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    const jump = page.locator('[data-log-failed]');
    expect(await jump.isVisible()).toBe(true);
    expect(await jump.getAttribute('href')).toBe('#log-test_unit');
    expect(await page.locator('tr[data-step="test/unit"] [data-step-status]').textContent()).toBe('failed');
    expect(await page.locator('[data-log-reload]').isVisible()).toBe(false);
    expect(await page.locator('[data-log-follow]').isVisible()).toBe(false);
    expect(await page.getByText('Cancel', { exact: true }).isVisible()).toBe(false);
    await screenshot(page, 'ui-build-page');

    const raw = await page.request.get(`${stack.url}/builds/${build.id}/log`);
    expect(raw.status()).toBe(200);
    expect(await raw.text()).toContain('\x1b[1;32mcompiled\x1b[0m');
  });

  it('shows a pull request copy’s title as text on the job page and the feature page', async () => {
    const body = JSON.stringify(githubPullRequest('acme/shop', 'opened', 7, 'a'.repeat(40), TITLE_XSS));
    const res = await fetch(`${stack.url}/hooks/github`, {
      method: 'POST',
      headers: vendorHeaders('github', 'pull_request', body, secret),
      body,
    });
    expect(res.status).toBe(202);
    await eventually(
      async () => (await stack.call('GET', '/v1/jobs/team/shop/ci/pr-7/builds')).body?.builds?.[0]?.status === 'failed',
      'the pull request build to finish',
      60_000,
    );

    await page.goto(`${stack.url}/jobs/team/shop/ci`);
    const copies = page.locator('.copy-label');
    expect(await copies.first().textContent()).toBe(TITLE_XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await screenshot(page, 'ui-job-page');

    await page.goto(`${stack.url}/features/ABC-7`);
    expect(await page.locator('.pr-title').first().textContent()).toBe(TITLE_XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await screenshot(page, 'ui-feature-page');
  });
});
