import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import type { DeploymentCommands } from './commands.js';
import { findDeployment, listDeployments } from '../../db/deployments.js';
import { deploymentDetail, deploymentSummary } from './view.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { bearer, errorResponses, jsonResponse as json, v1App } from '../openapi.js';
import { goesStraightToLive } from '../../domain/live-rights.js';
import { servicePlan } from '../../domain/service-plan.js';
import { OctopushStatuses } from '../../domain/statuses.js';
import { cancelRights, requireLiveRights } from './rights.js';

// /v1/deployments: request, list and show; test results, Go Live approvals, cancels and rollbacks
// go to the deployment workflow (./commands.ts), and the answer is what the next GET shows.

const Deployment = z
  .looseObject({
    id: z.string(),
    number: z.number().int(),
    service: z.string(),
    version: z.string(),
    state: z.enum(OctopushStatuses),
    phase: z.string(),
    waitingOn: z.unknown().nullable(),
    environments: z.array(z.unknown()),
    links: z.unknown(),
  })
  .openapi('Deployment');

const IdParam = z.object({ id: z.string().min(1).openapi({ description: 'deployment id or number' }) });
const versionText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.+:~-]+$/, 'letters, digits and . + : ~ _ -');

const create = createRoute({
  method: 'post',
  path: '/',
  security: bearer,
  request: {
    headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            service: z.string().min(1),
            version: versionText,
            requestor: z.string().max(500).optional(),
            environment: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: json(Deployment, 'Created'),
    200: json(Deployment, 'The same request again: the existing deployment'),
    ...errorResponses,
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  request: {
    query: z.object({
      service: z.string().optional(),
      state: z.enum(OctopushStatuses).optional(),
      environment: z.string().optional(),
      before: z.coerce
        .number()
        .int()
        .positive()
        .max(2 ** 31 - 1)
        .optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: { 200: json(z.object({ deployments: z.array(Deployment) }), 'Newest first'), ...errorResponses },
});

const get = createRoute({
  method: 'get',
  path: '/{id}',
  request: { params: IdParam },
  responses: { 200: json(Deployment, 'The deployment'), ...errorResponses },
});

const testResults = createRoute({
  method: 'post',
  path: '/{id}/test-results',
  security: bearer,
  request: {
    params: IdParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            passed: z.boolean(),
            version: z.string().optional(),
            testJobUrl: z.url().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(z.object({ duplicate: z.boolean(), deployment: Deployment }), 'Recorded (or a duplicate, acknowledged)'),
    ...errorResponses,
  },
});

const approve = createRoute({
  method: 'post',
  path: '/{id}/approve',
  security: bearer,
  request: {
    params: IdParam,
    body: {
      required: false,
      content: { 'application/json': { schema: z.strictObject({ version: z.string().optional() }) } },
    },
  },
  responses: {
    200: json(z.object({ duplicate: z.boolean(), deployment: Deployment }), 'Approval recorded'),
    ...errorResponses,
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  security: bearer,
  request: {
    params: IdParam,
    body: {
      required: false,
      content: { 'application/json': { schema: z.strictObject({ reason: z.string().max(500).optional() }) } },
    },
  },
  responses: {
    200: json(z.object({ duplicate: z.boolean(), deployment: Deployment }), 'Cancelled'),
    ...errorResponses,
  },
});

const rollback = createRoute({
  method: 'post',
  path: '/{id}/rollback',
  security: bearer,
  request: {
    params: IdParam,
    body: {
      required: false,
      content: { 'application/json': { schema: z.strictObject({ reason: z.string().max(500).optional() }) } },
    },
  },
  responses: {
    201: json(Deployment, 'The rollback deployment, queued for live'),
    200: json(Deployment, 'The same rollback again'),
    ...errorResponses,
  },
});

export function deploymentRoutes(deps: ApiDeps, commands: DeploymentCommands) {
  const app = v1App();
  const detail = async (id: string) => deploymentDetail(deps, (await findDeployment(deps.db, id))!);
  const existing = async (id: string) => {
    const row = await findDeployment(deps.db, id);
    if (!row) throw notFound(`deployment ${id}`);
    return row;
  };

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const principal = requireScope(c, 'deploy:request', body.service);
    // An unknown service or environment is answered 400 by the command.
    const plan = Object.hasOwn(deps.config.services, body.service)
      ? servicePlan(deps.config, body.service, body.environment)
      : null;
    if (plan && goesStraightToLive(plan)) requireLiveRights(c, deps.config, plan);
    const key = c.req.valid('header')['idempotency-key'];
    const { created, row } = await commands.request({ ...body, key, actor: principal.name });
    // The row just written is the state the next GET shows; no need to read it back.
    return c.json(deploymentSummary(deps, row), created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const q = c.req.valid('query');
    const rows = await listDeployments(deps.db, {
      service: q.service,
      statuses: q.state ? [q.state] : undefined,
      environment: q.environment,
      before: q.before,
      limit: q.limit,
    });
    return c.json({ deployments: rows.map((r) => deploymentSummary(deps, r)) }, 200);
  });

  app.openapi(get, async (c) => {
    requireScope(c, 'read');
    const row = await findDeployment(deps.db, c.req.valid('param').id);
    if (!row) throw notFound(`deployment ${c.req.valid('param').id}`);
    return c.json(await deploymentDetail(deps, row), 200);
  });

  app.openapi(testResults, async (c) => {
    const body = c.req.valid('json');
    const found = await existing(c.req.valid('param').id);
    const principal = requireScope(c, 'deploy:report', found.service);
    // One Update: the test job URL is recorded with the result or, if the result is refused, not at all.
    const { duplicate, row } = await commands.reportTests(found.id, {
      passed: body.passed,
      version: body.version,
      actor: principal.name,
      ...(body.testJobUrl ? { testJobUrl: body.testJobUrl } : {}),
    });
    return c.json({ duplicate, deployment: await detail(row.id) }, 200);
  });

  app.openapi(approve, async (c) => {
    const row = await existing(c.req.valid('param').id);
    const principal = requireScope(c, 'deploy:approve', row.service);
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    const result = await commands.approve(row.id, { actor: principal.name, version: body?.version });
    return c.json({ duplicate: result.duplicate, deployment: await detail(row.id) }, 200);
  });

  app.openapi(cancel, async (c) => {
    const row = await existing(c.req.valid('param').id);
    const { principal, scopes } = cancelRights(c, row);
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    const result = await commands.cancel(row.id, {
      actor: principal.name,
      reason: body?.reason,
      octopushRules: false,
      scopes,
    });
    return c.json({ duplicate: result.duplicate, deployment: await detail(row.id) }, 200);
  });

  app.openapi(rollback, async (c) => {
    const row = await existing(c.req.valid('param').id);
    const principal = requireScope(c, 'deploy:approve', row.service);
    const plan = servicePlan(deps.config, row.service);
    if (plan) requireLiveRights(c, deps.config, plan);
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    const { created, row: next } = await commands.rollback(row.id, principal.name, 'previous', body?.reason);
    return c.json(await detail(next.id), created ? 201 : 200);
  });

  return app;
}
