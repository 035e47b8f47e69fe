import type { Context } from 'hono';
import { can, type Principal } from '../api/middleware/auth.js';
import { scopeWording, type Scope } from '../domain/scopes.js';
import type { UiEnv } from './env.js';
import { PageError, SignInRequired } from './errors.js';

/**
 * The page's caller may do `scope` (for `service`): the same check as the API's requireScope. Not
 * signed in → to /login and back here; signed in without the scope → a 403 page.
 */
export function requireViewer(c: Context<UiEnv>, scope: Scope, service?: string): Principal {
  const principal = c.get('principal');
  if (can(principal, scope, service)) return principal;
  const viewer = c.get('viewer');
  if (!viewer.signedIn) {
    const url = new URL(c.req.url);
    throw new SignInRequired(c.req.method === 'GET' ? url.pathname + url.search : '/');
  }
  throw new PageError(403, 'Not allowed', `${viewer.name} lacks the scope ${scopeWording(scope, service)}.`);
}
