import { createRoute, z } from '@hono/zod-openapi';
import { findDeployment } from '../../db/deployments.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, errorResponses, jsonResponse as json, v1App } from '../openapi.js';
import type { DeploymentCommands } from './commands.js';
import { gateDecision, refuseSuperseded } from './gate-rights.js';
import { deploymentDetail } from './view.js';

// /v1/deployments/:id/gates/:environment/:gate/approve and /reject: a manual promotion gate's
// decision, bound to this deployment's service, version, environment and gate. The workflow's
// validator applies the gate's rules (approvers, the requester never decides, one rejection fails
// it); this layer adds what only the database knows: a deployment superseded by a newer request of
// its service takes no decisions.

const Params = z.object({
  id: z.string().min(1).openapi({ description: 'deployment id or number' }),
  environment: z.string().min(1),
  gate: z.string().min(1),
});
const version = z.string().min(1).max(200).optional().openapi({ description: "defaults to the deployment's" });
const Answer = z.object({ duplicate: z.boolean(), deployment: z.looseObject({ id: z.string() }) });

const route = (kind: 'approve' | 'reject') =>
  createRoute({
    method: 'post',
    path: `/{id}/gates/{environment}/{gate}/${kind}`,
    security: bearer,
    request: {
      params: Params,
      body: {
        required: kind === 'reject',
        content: {
          'application/json': {
            schema:
              kind === 'reject'
                ? z.strictObject({ version, reason: z.string().trim().min(1, 'a rejection needs a reason').max(2000) })
                : z.strictObject({ version, reason: z.string().max(2000).optional() }),
          },
        },
      },
    },
    responses: {
      200: json(Answer, kind === 'approve' ? 'Approval recorded' : 'Rejection recorded'),
      ...errorResponses,
    },
  });

export function gateRoutes(deps: ApiDeps, commands: DeploymentCommands) {
  const app = v1App();
  for (const kind of ['approve', 'reject'] as const) {
    app.openapi(route(kind), async (c) => {
      const { id, environment, gate } = c.req.valid('param');
      const row = await findDeployment(deps.db, id);
      if (!row) throw notFound(`deployment ${id}`);
      const principal = requireScope(c, 'deploy:approve', row.service);
      const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : undefined;
      await refuseSuperseded(deps.db, row);
      const result = await commands.decideGate(
        row.id,
        gateDecision(principal, row, { environment, gate }, { version: body?.version, reason: body?.reason }, 'api'),
        kind,
      );
      return c.json({ duplicate: result.duplicate, deployment: await deploymentDetail(deps, result.row) }, 200);
    });
  }
  return app;
}
