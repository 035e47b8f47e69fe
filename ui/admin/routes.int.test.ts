// /admin with app.request(): pause and resume (all, one) and tokens (create shown once, list without
// secrets, revoke) through the API's own commands; readers see no buttons; forged POSTs are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { uiClient, type UiClient } from '../../test/support/ui-client.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

async function signedIn(role: 'admin' | 'reader' | 'approver'): Promise<UiClient> {
  const client = uiClient(api.app);
  expect((await client.post('/login', { token: api.tokens[role] })).status).toBe(303);
  return client;
}

const pauseState = async () => ({
  preprod: (await api.request('GET', '/v1/environments/preprod/queue')).body.paused,
  live: (await api.request('GET', '/v1/environments/live/queue')).body.paused,
});

describe('/admin', () => {
  it('sends a visitor to sign in, and back', async () => {
    const res = await uiClient(api.app).get('/admin');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?next=%2Fadmin');
  });

  it('pauses and resumes one environment and all, recorded under the signed-in name', async () => {
    const admin = await signedIn('admin');
    const page = await admin.get('/admin');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('action="/admin/queue/live/pause"');

    const paused = await admin.post('/admin/queue/live/pause');
    expect(paused.status).toBe(303);
    expect(paused.location).toBe('/admin?done=paused');
    expect((await admin.get('/admin?done=paused')).text).toContain('action="/admin/queue/live/resume"');
    expect(await pauseState()).toEqual({ preprod: false, live: true });

    expect((await admin.post('/admin/queue/pause')).status).toBe(303);
    const all = await admin.get('/admin');
    expect(all.text).not.toContain('action="/admin/queue/pause"');
    expect(all.text).toContain('action="/admin/queue/resume"');
    expect((await admin.post('/admin/queue/resume')).status).toBe(303);
    expect((await admin.get('/admin')).text).not.toContain('badge paused');
    const audit = (await api.database.db.select().from(auditLog)).filter((r) => r.action.startsWith('queue.'));
    expect(audit.map((r) => `${r.actor} ${r.action} ${r.subject}`)).toEqual([
      'admin queue.pause live',
      'admin queue.pause *',
      'admin queue.resume *',
    ]);
    expect((await admin.post('/admin/queue/nowhere/pause')).status).toBe(404);
  });

  it('creates a token whose secret is shown once and works, lists it without the secret, revokes it', async () => {
    const admin = await signedIn('admin');
    const created = await admin.post('/admin/tokens', {
      name: 'ci <b>bot</b>',
      scopes: 'read',
      serviceScopes: 'deploy:approve:checkout',
    });
    expect(created.status).toBe(200);
    const secret = /id="new-token-secret">([^<]+)</.exec(created.text)![1]!.trim();
    expect(secret).toMatch(/^slw_/);
    expect(created.text).toContain('ci &lt;b&gt;bot&lt;/b&gt;');
    const listed = await api.request('GET', '/v1/tokens');
    const token = listed.body.tokens.find((t: { name: string }) => t.name === 'ci <b>bot</b>');
    expect(token.scopes).toEqual(['read', 'deploy:approve:checkout']);
    expect((await api.request('GET', '/v1/services', { as: { token: secret } })).status).toBe(200);

    const later = await admin.get('/admin');
    expect(later.text).not.toContain(secret);
    expect(later.text).toContain(`action="/admin/tokens/${token.id}/revoke"`);
    const revoked = await admin.post(`/admin/tokens/${token.id}/revoke`);
    expect(revoked.location).toBe('/admin?done=revoked');
    expect((await api.request('GET', '/v1/services', { as: { token: secret } })).status).toBe(401);
    expect((await admin.post(`/admin/tokens/${token.id}/revoke`)).status).toBe(404);
  });

  it('answers a bad token form with the page and the field named', async () => {
    const admin = await signedIn('admin');
    const noScope = await admin.post('/admin/tokens', { name: 'x' });
    expect(noScope.status).toBe(400);
    expect(noScope.text).toContain('scopes:');
    const badScope = await admin.post('/admin/tokens', { name: 'x', serviceScopes: 'root' });
    expect(badScope.status).toBe(400);
    expect(badScope.text).toContain('scopes.0:');
    const noName = await admin.post('/admin/tokens', { name: ' ', scopes: 'read' });
    expect(noName.status).toBe(400);
    expect(noName.text).toContain('name:');
  });

  it('shows a reader the pause state without buttons or tokens, and refuses their forged POSTs', async () => {
    const reader = await signedIn('reader');
    const page = await reader.get('/admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('badge running');
    expect(page.text).not.toContain('/admin/queue/');
    expect(page.text).not.toContain('API tokens');
    const forged = await reader.post('/admin/queue/pause');
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('reader lacks the scope admin');
    expect((await reader.post('/admin/tokens', { name: 'mine', scopes: 'admin' })).status).toBe(403);
    expect(await pauseState()).toEqual({ preprod: false, live: false });
  });

  it('refuses an admin POST without the CSRF token', async () => {
    const admin = await signedIn('admin');
    expect((await admin.post('/admin/queue/pause', {}, { csrf: false })).status).toBe(403);
    expect((await admin.post('/admin/tokens', { name: 'x', scopes: 'admin' }, { csrf: false })).status).toBe(403);
    expect(await pauseState()).toEqual({ preprod: false, live: false });
  });
});
