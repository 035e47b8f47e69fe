// The board and the deployment pages in Debian's Chromium against a whole Slipway (Temporal dev
// server, worker, Postgres, the API on loopback) deploying the demo services in Docker containers.
// Screenshots land in test-results/.
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, screenshot, signInWithToken } from '../test/support/browser.js';
import { startStack, waitForState, type Stack } from '../test/support/stack.js';

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({ configYaml: readFileSync('slipway.demo.yml', 'utf8') });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** A page signed in with `token`, failing the test on any script dialog (an injected alert). */
async function pageAs(token: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected dialog: ${dialog.message()}`);
  });
  await signInWithToken(page, stack.url, token);
  return page;
}

const request = async (service: string, version: string, requestor?: string) => {
  const res = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service, version, ...(requestor ? { requestor } : {}) },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; number: number };
};

/** The board's section of one state in one environment column. */
const section = (page: Page, environment: string, part: 'queued' | 'in-progress' | 'recent') =>
  page.locator(`section[data-environment="${environment}"] .${part}`);

let search: { id: string; number: number };

it('moves a requested deployment across the board without a reload', async () => {
  const page = await pageAs(stack.tokens.reader);
  await page.goto(`${stack.url}/`);
  await expect.poll(() => page.evaluate('document.documentElement.getAttribute("data-live")')).toBe('connected');
  // A reload would drop this mark. (Strings: the page's own globals, which Node's types do not know.)
  await page.evaluate('window.mark = 1');
  search = await request('search', '7.0.0');
  const card = (part: 'queued' | 'in-progress' | 'recent') =>
    section(page, 'preprod', part).locator(`[data-deployment="${search.id}"]`);
  await card('in-progress').waitFor({ timeout: 30_000 });
  await expect.poll(() => card('in-progress').textContent(), { timeout: 30_000 }).toContain('PENDING_TESTS');
  await expect.poll(() => card('in-progress').textContent()).toContain('Waiting for test results from preprod');
  await expect.poll(() => card('recent').count(), { timeout: 30_000 }).toBe(1);
  expect(await page.evaluate('window.mark')).toBe(1);
  await page.close();
});

it('cancels a queued deployment with a reason, shown in its timeline; the XSS requestor stays text', async () => {
  // search holds pre-prod until its tests report (hold-until-tests); checkout, another group, queues.
  const queued = await request('checkout', '7.1.0', XSS);
  await waitForState(stack, queued.id, 'QUEUED');
  const page = await pageAs(stack.tokens.requester);
  await page.goto(`${stack.url}/`);
  const card = section(page, 'preprod', 'queued').locator(`[data-deployment="${queued.id}"]`);
  await expect.poll(() => card.textContent()).toContain(`by ${XSS}`);
  await expect.poll(() => card.textContent()).toContain('Waiting for the preprod lock, held by search');
  await screenshot(page, 'ui-board');
  await card.getByRole('link').click();
  await page.waitForURL(`${stack.url}/deployments/${queued.number}`);
  expect(await page.locator('.requestor').first().textContent()).toBe(XSS);
  await page.getByText('Cancel', { exact: true }).click();
  await page.getByLabel('Reason').fill('wrong artifact, rebuilding');
  await Promise.all([
    page.waitForURL(`${stack.url}/deployments/${queued.number}`),
    page.getByRole('button', { name: 'Confirm Cancel' }).click(),
  ]);
  await expect
    .poll(() => page.locator('.timeline').textContent(), { timeout: 15_000 })
    .toContain('cancelled by dev-jenkins: wrong artifact, rebuilding');
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  await page.close();
});

it('offers Go Live only to an approver, refuses a forged POST, and goes live on the click', async () => {
  await stack.call('POST', `/v1/deployments/${search.id}/test-results`, {
    token: stack.tokens.reporter,
    body: { passed: true },
  });
  await waitForState(stack, search.id, 'TESTS_PASSED');
  const detail = `${stack.url}/deployments/${search.number}`;

  const requester = await pageAs(stack.tokens.requester);
  await requester.goto(detail);
  expect(await requester.getByText('Go Live', { exact: true }).count()).toBe(0);
  const forged = await requester.evaluate(async (id) => {
    const res = await fetch(`/deployments/${id}/go-live`, {
      method: 'POST',
      body: new URLSearchParams({ reason: 'x' }),
    });
    return res.status;
  }, search.id);
  expect(forged).toBe(403);
  await requester.close();
  expect((await stack.call('GET', `/v1/deployments/${search.id}`)).body.state).toBe('TESTS_PASSED');

  const approver = await pageAs(stack.tokens.approver);
  await approver.goto(`${stack.url}/deployments`);
  await screenshot(approver, 'ui-deployments');
  await approver.goto(detail);
  await approver.getByText('Go Live', { exact: true }).click();
  await Promise.all([approver.waitForURL(detail), approver.getByRole('button', { name: 'Confirm Go Live' }).click()]);
  await expect.poll(() => approver.locator('.lead').textContent(), { timeout: 30_000 }).toContain('GO_LIVE_DONE');
  expect(await approver.locator('.approvals').textContent()).toContain('alice');
  expect(await approver.locator('.timeline').textContent()).toContain('by alice: Go Live');
  await screenshot(approver, 'ui-deployment');
  await approver.close();
});
