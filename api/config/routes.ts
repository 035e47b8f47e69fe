import { createRoute, z } from '@hono/zod-openapi';
import { reloadConfig } from '../../infra/config-record.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, unavailable } from '../errors.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, errorResponses, jsonResponse, v1App } from '../openapi.js';

// /v1/config: which configuration version this API runs with, and the admin's reload. A refused
// file changes nothing: the 400 names the file and the path of each problem.

const Current = z.object({
  version: z.string(),
  source: z.string(),
  loadedAt: z.string(),
});

const show = createRoute({
  method: 'get',
  path: '/',
  security: bearer,
  responses: { 200: jsonResponse(Current, 'The configuration in use'), ...errorResponses },
});

const reload = createRoute({
  method: 'post',
  path: '/reload',
  security: bearer,
  responses: {
    200: jsonResponse(
      Current.extend({ changed: z.boolean(), previousVersion: z.string() }),
      'Reloaded (changed false: the file holds the configuration already in use)',
    ),
    ...errorResponses,
  },
});

export function configRoutes(deps: ApiDeps) {
  const app = v1App();
  const holder = () => {
    if (!deps.configHolder) throw unavailable('this process was given its configuration without a file');
    return deps.configHolder;
  };
  const current = () => {
    const { version, source, loadedAt } = holder().current;
    return { version, source, loadedAt };
  };

  app.openapi(show, (c) => {
    requireScope(c, 'read');
    return c.json(current(), 200);
  });

  app.openapi(reload, async (c) => {
    const principal = requireScope(c, 'admin');
    const outcome = await reloadConfig(deps.db, holder(), principal.name);
    if (!outcome.ok)
      throw new ApiError(
        400,
        'invalid',
        `configuration refused, ${outcome.kept} stays: ${outcome.errors.join('; ')}`,
        undefined,
        {
          errors: outcome.errors,
          kept: outcome.kept,
        },
      );
    return c.json({ ...current(), changed: outcome.changed, previousVersion: outcome.before }, 200);
  });
  return app;
}
