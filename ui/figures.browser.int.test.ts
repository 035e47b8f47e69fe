// /figures in a real Chromium: signed in with a token, the charts are images with accessible names,
// the GET form works from the keyboard, nothing breaks the CSP, the page fits a phone, and
// screenshots are saved under test-results/.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test/support/api-harness.js';
import { launchBrowser, screenshot, signInWithToken } from '../test/support/browser.js';
import { recordFinishedDeployment } from '../test/support/deployment-records.js';

let api: ApiHarness;
let server: ServerType;
let url: string;
let browser: Browser;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

beforeAll(async () => {
  api = await startApiHarness();
  for (let i = 0; i < 12; i++) {
    const requested = 24 * i + 6;
    await recordFinishedDeployment(api.database.db, {
      id: `d${i}`,
      service: i % 3 === 0 ? 'search' : 'checkout',
      requestedAt: hoursAgo(requested),
      environments: [
        { environment: 'preprod', state: 'deployed', finishedAt: hoursAgo(requested - 1) },
        { environment: 'live', state: i % 4 === 0 ? 'failed' : 'deployed', finishedAt: hoursAgo(requested - 3) },
      ],
    });
  }
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

it('shows the figures as charts and tables, and the form works from the keyboard', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  // CSP violations and script errors are console errors; failed loads are checked by response
  // instead, as the browser's own /favicon.ico request answers 404 (Slipway has no icon).
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await signInWithToken(page, url, api.tokens.reader);
  await page.goto(`${url}/figures`);
  await expect(page.getByRole('heading', { name: 'Delivery figures' }).isVisible()).resolves.toBe(true);
  for (const name of ['Deployments', 'Lead time (median)', 'Change failure rate', 'Time to restore (median)'])
    expect(await page.getByRole('img', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')} `) }).count(), name).toBe(
      1,
    );
  expect(await page.getByRole('table', { name: 'Per day' }).isVisible()).toBe(true);
  await screenshot(page, 'figures');

  // From the keyboard: choose 30 days and live, Tab to Show, press Enter.
  await page.locator('select[name=window]').focus();
  await page.keyboard.press('End'); // last 90 days
  await page.keyboard.press('ArrowUp'); // last 30 days
  await page.locator('select[name=environment]').selectOption('live');
  await page.locator('select[name=environment]').focus();
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement.textContent')).toBe('Show');
  await Promise.all([page.waitForURL(/window=30d/), page.keyboard.press('Enter')]);
  expect(new URL(page.url()).searchParams.get('environment')).toBe('live');
  expect(await page.locator('.figures-scope').textContent()).toMatch(/^all services in live, .* by day\.$/);
  expect(problems).toEqual([]);

  // A phone: nothing wider than the screen but the tables' own scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${url}/figures?window=30d&service=checkout`);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await screenshot(page, 'figures-phone');
  await page.close();
});
