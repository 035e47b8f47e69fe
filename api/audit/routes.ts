import { createRoute, z } from '@hono/zod-openapi';
import { listAudit } from '../../db/audit.js';
import type { ApiDeps } from '../deps.js';
import { requireScope } from '../middleware/auth.js';
import { errorResponses, jsonResponse, v1App } from '../openapi.js';

// /v1/audit: every approval, rejection, override (rollback), cancel, pause, token, job and
// configuration change, newest first. Admin only: it names who did what.

const time = z.iso.datetime({ offset: true, message: 'an ISO 8601 time such as 2026-12-01T09:30:00Z' });

const list = createRoute({
  method: 'get',
  path: '/',
  request: {
    query: z.object({
      actor: z.string().optional(),
      action: z.string().optional(),
      subject: z.string().optional(),
      since: time.optional(),
      until: time.optional(),
      before: z.coerce.number().int().positive().optional().describe('Entries older than this id (the next page)'),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ entries: z.array(z.looseObject({ id: z.number() })), next: z.number().nullable() }),
      'Audit entries, newest first; `next` is the `before` of the next page',
    ),
    ...errorResponses,
  },
});

export function auditRoutes(deps: ApiDeps) {
  const app = v1App();
  app.openapi(list, async (c) => {
    requireScope(c, 'admin');
    const q = c.req.valid('query');
    const rows = await listAudit(deps.db, {
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
    });
    const entries = rows.map(({ key: _key, ...r }) => ({ ...r, at: r.at.toISOString() }));
    return c.json({ entries, next: rows.length === q.limit ? rows.at(-1)!.id : null }, 200);
  });
  return app;
}
