// /v1/tokens with app.request(): admin only; the secret is shown once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

describe('/v1/tokens', () => {
  it('creates a token whose secret works, lists tokens without secrets, revokes', async () => {
    const created = await api.request('POST', '/v1/tokens', {
      body: { name: 'ci', scopes: ['read', 'deploy:approve:checkout'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci', scopes: ['read', 'deploy:approve:checkout'], revokedAt: null });
    expect((await api.request('GET', '/v1/services', { as: { token: created.body.token } })).status).toBe(200);
    const list = await api.request('GET', '/v1/tokens');
    expect(list.status).toBe(200);
    expect(list.body.tokens.map((t: { name: string }) => t.name)).toContain('ci');
    expect(list.text).not.toContain(created.body.token);
    expect((await api.request('DELETE', `/v1/tokens/${created.body.id}`)).body).toEqual({ revoked: true });
    expect((await api.request('GET', '/v1/services', { as: { token: created.body.token } })).status).toBe(401);
    expect((await api.request('DELETE', '/v1/tokens/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('answers bad input with 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ scopes: ['read'] }, 'name'],
      [{ name: '', scopes: ['read'] }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['root'] }, 'scopes.0'],
      [{ name: 'x', scopes: ['read'], extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/v1/tokens', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field });
    }
  });

  it('is for admins only', async () => {
    expect((await api.request('GET', '/v1/tokens', { as: null })).status).toBe(401);
    expect((await api.request('GET', '/v1/tokens', { as: 'approver' })).status).toBe(403);
    expect(
      (await api.request('POST', '/v1/tokens', { as: 'requester', body: { name: 'x', scopes: ['read'] } })).status,
    ).toBe(403);
    expect((await api.request('DELETE', '/v1/tokens/anything', { as: 'reader' })).status).toBe(403);
  });
});
