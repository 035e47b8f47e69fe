// A dashboard client for route tests that shows a role's API token on every request (the dashboard
// takes a bearer token as a signed-in viewer), with the session cookie and CSRF token of ./ui-client.ts.
import { expect } from 'vitest';
import type { ApiHarness, Role } from './api-harness.js';
import { uiClient, type UiClient } from './ui-client.js';

export interface RoleClient extends UiClient {
  /** GETs a page that must answer 200, and returns its HTML. */
  page(path: string): Promise<string>;
}

export function uiAs(api: ApiHarness, role: Role): RoleClient {
  const base = uiClient(api.app);
  const auth = { authorization: `Bearer ${api.tokens[role]}` };
  const client: UiClient = {
    ...base,
    get: (path, headers = {}) => base.get(path, { ...auth, ...headers }),
    post: (path, fields = {}, opts = {}) => base.post(path, fields, { ...opts, headers: { ...auth, ...opts.headers } }),
  };
  return {
    ...client,
    async page(path) {
      const res = await client.get(path);
      expect(res.status, path).toBe(200);
      return res.text;
    },
  };
}
