import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth.js';
import { listDeployments } from '../../db/deployments.js';
import { queueOf } from '../../db/environment-queues.js';
import { deploymentSummary } from '../deployment-view.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';
import { bearer, errorResponses, v1App } from '../openapi.js';
import type { QueueCommands } from '../queue-commands.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const PauseState = z.object({ paused: z.record(z.string(), z.boolean()) }).openapi('PauseState');
const PauseBody = { required: false, content: { 'application/json': { schema: z.strictObject({ environment: z.string().optional() }) } } };

const queue = createRoute({
  method: 'get', path: '/environments/{env}/queue', request: { params: z.object({ env: z.string() }) },
  responses: { 200: json(z.looseObject({ environment: z.string(), paused: z.boolean(), holders: z.array(z.unknown()), waiting: z.array(z.unknown()) }), 'Holders and waiters in grant order'), ...errorResponses },
});
const pause = createRoute({ method: 'post', path: '/queue/pause', security: bearer, request: { body: PauseBody }, responses: { 200: json(PauseState, 'Paused'), ...errorResponses } });
const resume = createRoute({ method: 'post', path: '/queue/resume', security: bearer, request: { body: PauseBody }, responses: { 200: json(PauseState, 'Resumed'), ...errorResponses } });

export function queueRoutes(deps: ApiDeps, commands: QueueCommands) {
  const app = v1App();
  const environmentOf = (body: { environment?: string } | undefined) => {
    const env = body?.environment;
    if (env !== undefined && !deps.config.environments[env]) throw badRequest('environment', `unknown environment "${env}"`);
    return env;
  };

  app.openapi(queue, async (c) => {
    requireScope(c, 'read');
    const { env } = c.req.valid('param');
    if (!deps.config.environments[env]) throw notFound(`environment ${env}`);
    const [row, paused, queued] = await Promise.all([
      queueOf(deps.db, env), commands.paused(),
      listDeployments(deps.db, { environment: env, statuses: ['QUEUED', 'QUEUED_FOR_LIVE'], limit: 500 }),
    ]);
    const byId = new Map(queued.map((r) => [r.id, r]));
    const waiters = ((row?.waiters ?? []) as Array<{ workflowId: string; order: number; service: string; group: string; since: string }>)
      .sort((a, b) => a.order - b.order);
    return c.json({
      environment: env, concurrency: deps.config.environments[env]!.concurrency, paused: paused[env] ?? false,
      holders: (row?.holders ?? []) as Array<Record<string, string>>,
      waiting: waiters.map((w, i) => ({ position: i + 1, ...w, deployment: byId.has(w.workflowId) ? deploymentSummary(deps, byId.get(w.workflowId)!) : null })),
    }, 200);
  });

  app.openapi(pause, async (c) => {
    const principal = requireScope(c, 'admin');
    const env = environmentOf(c.req.header('content-type')?.includes('json') ? c.req.valid('json') : undefined);
    return c.json({ paused: await commands.pause(env, principal.name) }, 200);
  });

  app.openapi(resume, async (c) => {
    const principal = requireScope(c, 'admin');
    const env = environmentOf(c.req.header('content-type')?.includes('json') ? c.req.valid('json') : undefined);
    return c.json({ paused: await commands.resume(env, principal.name) }, 200);
  });

  return app;
}
