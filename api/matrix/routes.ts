import { createRoute, z } from '@hono/zod-openapi';
import { matrixAt } from '../../db/environment-events.js';
import type { ApiDeps } from '../deps.js';
import { requireScope } from '../middleware/auth.js';
import { errorResponses, jsonResponse, v1App } from '../openapi.js';

// /v1/matrix: which version of each service runs in each environment, and what stands there (queued,
// deploying, waiting for tests, Go Live or a gate), now or at any past moment of the record.

const Cell = z.object({
  service: z.string(),
  environment: z.string(),
  version: z.string().nullable(),
  deploymentId: z.string().nullable(),
  deployedAt: z.string().nullable(),
  inFlight: z.array(
    z.object({
      deploymentId: z.string(),
      version: z.string(),
      kind: z.string(),
      since: z.string(),
      detail: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
});

const matrix = createRoute({
  method: 'get',
  path: '/',
  request: {
    query: z.object({
      at: z.iso
        .datetime({ offset: true, message: 'an ISO 8601 time such as 2026-12-01T09:30:00Z' })
        .optional()
        .describe('The moment to show; now when absent'),
      service: z.string().optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ at: z.string(), environments: z.array(z.string()), cells: z.array(Cell) }),
      'The environment x version matrix at that moment',
    ),
    ...errorResponses,
  },
});

export function matrixRoutes(deps: ApiDeps) {
  const app = v1App();
  app.openapi(matrix, async (c) => {
    requireScope(c, 'read');
    const q = c.req.valid('query');
    const at = q.at ? new Date(q.at) : new Date();
    const cells = (await matrixAt(deps.db, at)).filter((cell) => !q.service || cell.service === q.service);
    const configured = Object.keys(deps.config.environments);
    const seen = cells.map((cell) => cell.environment).filter((e) => !configured.includes(e));
    return c.json({ at: at.toISOString(), environments: [...configured, ...new Set(seen)], cells }, 200);
  });
  return app;
}
