import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { listDeployments } from '../../db/deployments.js';
import { queueOf } from '../../db/environment-queues.js';
import { deploymentSummary } from '../deployments/view.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { errorResponses, jsonResponse, v1App } from '../openapi.js';
import type { QueueCommands } from '../queue/commands.js';
import { own } from '../../domain/own.js';

// /v1/environments/{env}/queue: who holds an environment's lock and who waits, in grant order.

const queue = createRoute({
  method: 'get',
  path: '/{env}/queue',
  request: { params: z.object({ env: z.string() }) },
  responses: {
    200: jsonResponse(
      z.looseObject({
        environment: z.string(),
        paused: z.boolean(),
        holders: z.array(z.unknown()),
        waiting: z.array(z.unknown()),
      }),
      'Holders and waiters in grant order',
    ),
    ...errorResponses,
  },
});

export function environmentRoutes(deps: ApiDeps, commands: QueueCommands) {
  const app = v1App();

  app.openapi(queue, async (c) => {
    requireScope(c, 'read');
    const { env } = c.req.valid('param');
    if (!own(deps.config.environments, env)) throw notFound(`environment ${env}`);
    const [row, paused, queued] = await Promise.all([
      queueOf(deps.db, env),
      commands.paused(),
      listDeployments(deps.db, { environment: env, statuses: ['QUEUED', 'QUEUED_FOR_LIVE'], limit: 500 }),
    ]);
    const byId = new Map(queued.map((r) => [r.id, r]));
    const waiters = (
      (row?.waiters ?? []) as Array<{
        workflowId: string;
        order: number;
        service: string;
        group: string;
        since: string;
      }>
    ).sort((a, b) => a.order - b.order);
    return c.json(
      {
        environment: env,
        concurrency: deps.config.environments[env]!.concurrency,
        paused: paused[env] ?? false,
        holders: (row?.holders ?? []) as Array<Record<string, string>>,
        waiting: waiters.map((w, i) => ({
          position: i + 1,
          ...w,
          deployment: byId.has(w.workflowId) ? deploymentSummary(deps, byId.get(w.workflowId)!) : null,
        })),
      },
      200,
    );
  });

  return app;
}
