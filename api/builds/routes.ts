import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import type { BuildCommands } from './commands.js';
import type { ApiDeps } from '../deps.js';
import { bearer, bodyByReference, errorResponses, jsonResponse, v1App } from '../openapi.js';
import { readBody } from '../read-body.js';
import { requireDeployJobAccess } from '../jobs/deploy-job-guard.js';
import { Build, BuildParameters, buildView } from './view.js';

// /v1/builds/{id}: one build, and what may be done to it. Its log routes are in ./logs.ts.

const BuildId = z.object({ id: z.string() });

const get = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A build: status, per stage/step status, exit codes, timings, parameters (secrets masked), commit, links',
  request: { params: BuildId },
  responses: { 200: jsonResponse(Build, 'The build'), ...errorResponses },
});
const cancel = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  security: bearer,
  summary: 'Cancel: kills the running step, runs onFailure hooks, removes the container',
  request: { params: BuildId },
  responses: { 200: jsonResponse(Build, 'Cancelling'), ...errorResponses },
});
const rebuild = createRoute({
  method: 'post',
  path: '/{id}/rebuild',
  security: bearer,
  summary: 'The same job, parameters and commit again (secret values must be given again)',
  request: { params: BuildId, body: bodyByReference('BuildParameters', ['application/json'], false) },
  responses: { 201: jsonResponse(Build, 'Triggered'), ...errorResponses },
});

export function buildRoutes(deps: ApiDeps, commands: BuildCommands) {
  const app = v1App();
  app.openAPIRegistry.register('BuildParameters', BuildParameters);

  app.openapi(get, async (c) => {
    requireScope(c, 'read');
    return c.json(buildView(deps, await commands.findBuild(c.req.valid('param').id)), 200);
  });

  app.openapi(cancel, async (c) => {
    const principal = requireScope(c, 'build:run');
    return c.json(buildView(deps, await commands.cancel(c.req.valid('param').id, principal.name)), 200);
  });

  app.openapi(rebuild, async (c) => {
    const principal = requireScope(c, 'build:run');
    const { id } = c.req.valid('param');
    requireDeployJobAccess(c, deps.config, (await commands.findBuild(id)).jobPath);
    const body = await readBody(c, BuildParameters, { empty: {} });
    const build = await commands.rebuild(id, principal.name, body?.parameters ?? {});
    return c.json(buildView(deps, build), 201);
  });

  return app;
}
