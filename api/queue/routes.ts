import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';
import { bearer, errorResponses, jsonResponse as json, v1App } from '../openapi.js';
import type { QueueCommands } from './commands.js';
import { own } from '../../domain/own.js';

// /v1/queue: pause and resume, for every environment or one.

const PauseState = z.object({ paused: z.record(z.string(), z.boolean()) }).openapi('PauseState');
const PauseBody = {
  required: false,
  content: { 'application/json': { schema: z.strictObject({ environment: z.string().optional() }) } },
};

const pause = createRoute({
  method: 'post',
  path: '/pause',
  security: bearer,
  request: { body: PauseBody },
  responses: { 200: json(PauseState, 'Paused'), ...errorResponses },
});
const resume = createRoute({
  method: 'post',
  path: '/resume',
  security: bearer,
  request: { body: PauseBody },
  responses: { 200: json(PauseState, 'Resumed'), ...errorResponses },
});

export function queueRoutes(deps: ApiDeps, commands: QueueCommands) {
  const app = v1App();
  const environmentOf = (body: { environment?: string } | undefined) => {
    const env = body?.environment;
    if (env !== undefined && !own(deps.config.environments, env))
      throw badRequest('environment', `unknown environment "${env}"`);
    return env;
  };

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
