import { createRoute, z } from '@hono/zod-openapi';
import { findDeployment } from '../../db/deployments.js';
import { reportableStatuses } from '../../domain/external-deploy.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, errorResponses, jsonResponse as json, v1App } from '../openapi.js';
import type { DeploymentCommands } from './commands.js';
import { deploymentDetail } from './view.js';

// What outside systems report about a deployment: an external deployer's progress in one
// environment, and "verification completed" after a deploy. A refused report is 409 with the reason.

const Answer = z.object({ duplicate: z.boolean(), deployment: z.looseObject({ id: z.string() }) });

const status = createRoute({
  method: 'post',
  path: '/{id}/environments/{environment}/status',
  security: bearer,
  summary: "An external deployer's progress: CREATED → STARTED → COMPLETED | FAILED (or CREATED → COMPLETED | FAILED)",
  request: {
    params: z.object({ id: z.string().min(1), environment: z.string().min(1) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({ status: z.enum(reportableStatuses), message: z.string().max(2000).optional() }),
        },
      },
    },
  },
  responses: { 200: json(Answer, 'Recorded (or the same status again, acknowledged)'), ...errorResponses },
});

const verification = createRoute({
  method: 'post',
  path: '/{id}/verification',
  security: bearer,
  summary: 'Verification of a deployed environment completed (recorded as evidence on the deployment)',
  request: {
    params: z.object({ id: z.string().min(1) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            environment: z.string().min(1),
            passed: z.boolean(),
            infoUrl: z.url().max(8192).optional(),
          }),
        },
      },
    },
  },
  responses: { 200: json(Answer, 'Recorded (or the same result again, acknowledged)'), ...errorResponses },
});

export function deploymentReportRoutes(deps: ApiDeps, commands: DeploymentCommands) {
  const app = v1App();
  const existing = async (id: string) => {
    const row = await findDeployment(deps.db, id);
    if (!row) throw notFound(`deployment ${id}`);
    return row;
  };
  const answer = async (duplicate: boolean, id: string) => ({
    duplicate,
    deployment: await deploymentDetail(deps, (await findDeployment(deps.db, id))!),
  });

  app.openapi(status, async (c) => {
    const { id, environment } = c.req.valid('param');
    const body = c.req.valid('json');
    const found = await existing(id);
    const principal = requireScope(c, 'deploy:report', found.service);
    const { duplicate, row } = await commands.reportDeployment(found.id, {
      environment,
      status: body.status,
      actor: principal.name,
      ...(body.message !== undefined ? { message: body.message } : {}),
    });
    return c.json(await answer(duplicate, row.id), 200);
  });

  app.openapi(verification, async (c) => {
    const body = c.req.valid('json');
    const found = await existing(c.req.valid('param').id);
    const principal = requireScope(c, 'deploy:report', found.service);
    const { duplicate, row } = await commands.reportVerification(found.id, {
      environment: body.environment,
      passed: body.passed,
      actor: principal.name,
      ...(body.infoUrl !== undefined ? { infoUrl: body.infoUrl } : {}),
    });
    return c.json(await answer(duplicate, row.id), 200);
  });
  return app;
}
