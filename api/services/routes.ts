import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { releasesOf } from '../../db/deployments.js';
import type { ApiDeps } from '../deps.js';
import { errorResponses, v1App } from '../openapi.js';
import { pipelineOf } from '../../domain/service-plan.js';

const list = createRoute({
  method: 'get',
  path: '/',
  responses: {
    200: {
      description: 'Configured services, their pipeline and what is deployed where',
      content: { 'application/json': { schema: z.object({ services: z.array(z.looseObject({ name: z.string() })) }) } },
    },
    ...errorResponses,
  },
});

/** Deployers are shown without credentials: a Jenkins server appears by name and URL only. */
export function serviceRoutes(deps: ApiDeps) {
  const app = v1App();
  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const services = await Promise.all(
      Object.entries(deps.config.services).map(async ([name, svc]) => {
        const pipeline = pipelineOf(deps.config, name);
        const current = await Promise.all(
          pipeline.map(async (env) => [env, (await releasesOf(deps.db, env, name, 1))[0]?.version ?? null] as const),
        );
        return {
          name,
          group: String(svc.group),
          pipeline,
          directToLive: deps.config['direct-to-live'].includes(name),
          approvers: svc.approvers,
          approvalsRequired: svc.approvalsRequired,
          deploy: Object.fromEntries(
            Object.entries(svc.deploy).map(([env, d]) => [
              env,
              d.type === 'jenkins'
                ? { type: 'jenkins', server: d.server, url: deps.config.jenkins[d.server]?.url ?? null, job: d.job }
                : d.type === 'job'
                  ? { type: 'job', job: d.job }
                  : d.type === 'docker'
                    ? { type: 'docker', image: d.image, command: d.command }
                    : { type: d.type },
            ]),
          ),
          versions: Object.fromEntries(current),
        };
      }),
    );
    return c.json({ services }, 200);
  });
  return app;
}
