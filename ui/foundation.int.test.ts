// The dashboard's frame with app.request(): pages are HTML with a strict CSP, static files have their
// types, unknown pages are HTML 404s for browsers while the API keeps its JSON, a visitor gets a
// signed HTTP-only session cookie, and a POST without the session's CSRF token is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test/support/api-harness.js';
import { uiClient } from '../test/support/ui-client.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('the dashboard frame', () => {
  it('serves a page (/login; the board needs read) as HTML with the navigation, a CSP without unsafe-inline, and a session cookie', async () => {
    const res = await api.app.request('/login', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^slipway_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const html = await res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const href of ['/', '/deployments', '/jobs', '/features', '/figures', '/admin', '/login'])
      expect(html).toContain(`href="${href}"`);
    expect(html).toContain('href="/ui/static/app.css"');
    expect(html).not.toMatch(/<script>|\son\w+=|style=/);
  });

  it('marks the cookie Secure when served over https', async () => {
    const res = await api.app.request('https://slipway.example/', { headers: { accept: 'text/html' } });
    expect(res.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('serves the whitelisted static files with their types, and nothing else', async () => {
    const css = await api.app.request('/ui/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const etag = css.headers.get('etag')!;
    expect((await api.app.request('/ui/static/app.css', { headers: { 'if-none-match': etag } })).status).toBe(304);
    for (const path of ['/ui/static/..%2Fapp.tsx', '/ui/static/../app.tsx', '/ui/static/missing.css', '/ui/static/'])
      expect((await api.app.request(path)).status, path).toBe(404);
  });

  it('answers an unknown page with an HTML 404 for browsers, and the API with its JSON 404', async () => {
    const page = await api.app.request('/admin/nothing-here', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Not found');
    const json = await api.request('GET', '/v1/nothing-here', { headers: { accept: 'text/html' } });
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('not_found');
    const post = await api.request('POST', '/v1/nothing-here', { body: {} });
    expect(post.status).toBe(404);
  });

  it('ignores a session cookie on API routes', async () => {
    const client = uiClient(api.app);
    await client.get('/');
    const cookie = [...client.cookies()].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await api.request('GET', '/v1/tokens', { as: null, headers: { cookie } })).status).toBe(401);
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin', async () => {
    const client = uiClient(api.app);
    await client.get('/');
    expect((await client.post('/logout', {}, { csrf: false })).status).toBe(403);
    expect((await client.post('/logout', { _csrf: 'forged' })).status).toBe(403);
    const crossSite = await client.post('/logout', {}, { headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.text).toContain('Form refused');
    const fetchSite = await client.post('/logout', {}, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(403);
  });
});
