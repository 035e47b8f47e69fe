import type { MiddlewareHandler } from 'hono';
import type { UiEnv } from './env.js';
import { PageError } from './errors.js';
import { sameSecret } from './session.js';

// Every state-changing request to the dashboard carries the session's CSRF secret in the form field
// `_csrf`, and, when the browser says where it comes from (Origin, Sec-Fetch-Site), comes from here.
// SameSite=Lax already keeps the cookie off cross-site POSTs; this holds without relying on it.

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

const refused = () =>
  new PageError(
    403,
    'Form refused',
    'This form did not come from a page of this Slipway, or the page is older than your sign-in: reload it and try again.',
  );

export function csrfProtection(publicUrl: string | null | undefined): MiddlewareHandler<UiEnv> {
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== new URL(c.req.url).origin && origin !== publicOrigin) throw refused();
    if (c.req.header('sec-fetch-site') === 'cross-site') throw refused();
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data'))
      throw refused();
    const body = await c.req.parseBody();
    const given = body._csrf;
    if (typeof given !== 'string' || !sameSecret(given, c.get('csrfToken'))) throw refused();
    await next();
  };
}
