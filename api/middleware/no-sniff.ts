import type { MiddlewareHandler } from 'hono';

// Every answer declares its own type: a browser must not guess one (a build log that looks like
// HTML must not render as a page of this origin).
export function noSniff(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  };
}
