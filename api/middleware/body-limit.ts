import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, errorBody } from '../errors.js';

// Request bodies are bounded before anything reads them: anyone who can reach the port can send
// one. hono's bodyLimit answers at once when Content-Length is over the cap (Node's parser holds
// the body to that length) and otherwise counts a chunked body as it arrives, buffering at most
// the cap. The 413 closes the connection, so the server stops reading the rest of the body.

const MiB = 1024 * 1024;

/** 1 MiB for /v1 and the Octopush routes; 25 MiB for /hooks/*, GitHub's own cap on a delivery. */
export const bodyCaps = { api: 1 * MiB, hooks: 25 * MiB } as const;

function capped(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json(
        errorBody(new ApiError(413, 'too_large', `body: larger than ${maxSize / MiB} MiB`, 'body')),
        413,
        // Without it Node would keep reading (draining) the rest of the body for a keep-alive.
        { connection: 'close' },
      ),
  });
}

export function limitBodies(): MiddlewareHandler {
  const hooks = capped(bodyCaps.hooks);
  const api = capped(bodyCaps.api);
  return (c, next) => (c.req.path === '/hooks' || c.req.path.startsWith('/hooks/') ? hooks : api)(c, next);
}
