import { Hono } from 'hono';
import { deploymentsInOrder, findDeployment } from '../../db/deployments.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import { idParam, nonEmpty, notAllowed, paging } from './protocol.js';
import { flowView } from './views.js';

// DeployDB's /api/flows: one artifact through its service's pipeline, with a deployment per
// environment reached. A Slipway deployment is exactly that, so a flow's id is its number. Read-only.

export function deploydbFlows(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  app.get('/', async (c) => {
    requireScope(c, 'read');
    const { offset, limit } = paging(c, 20);
    const rows = nonEmpty(await deploymentsInOrder(deps.db, offset, limit), 'flows');
    return c.json(await Promise.all(rows.map((r) => flowView(deps.db, r))), 200);
  });
  app.get('/:id', async (c) => {
    requireScope(c, 'read');
    const id = idParam(c);
    const row = await findDeployment(deps.db, String(id));
    if (!row) throw notFound(`flow ${id}`);
    return c.json(await flowView(deps.db, row), 200);
  });
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], ['/', '/:id'], () => {
    throw notAllowed('flows are read-only');
  });
  return app;
}
