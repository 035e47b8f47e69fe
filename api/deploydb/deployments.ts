import { Hono, type Context } from 'hono';
import { deploymentsInOrder, findDeployment, latestDeployment } from '../../db/deployments.js';
import { reportableStatuses, type ReportableStatus } from '../../domain/external-deploy.js';
import type { DeploymentCommands } from '../deployments/commands.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import { asTransition, idParam, invalidField, malformed, nonEmpty, notAllowed, paging } from './protocol.js';
import { deploymentView } from './views.js';

// DeployDB's /api/deployments: listed oldest first, read, the latest; an outside deployer moves its
// environment with PATCH {"status"} and outside systems post promotion results. Deployments are
// never created by hand (POST 405): they come from requests and "artifact ready".

const promotionStatuses = ['SUCCESS', 'FAILED'] as const;

async function readJson(c: Context): Promise<Record<string, unknown>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw malformed('body', 'is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidField('body', 'must be an object');
  return raw as Record<string, unknown>;
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalidField(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function optionalUrl(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) throw invalidField(field, 'must be an http(s) URL');
  if (value.length > 8192) throw invalidField(field, 'size must be between 1 and 8192');
  return value;
}

export function deploydbDeployments(deps: ApiDeps, commands: DeploymentCommands) {
  const app = new Hono<AuthEnv>();
  const existing = async (c: Context) => {
    const id = idParam(c);
    const row = await findDeployment(deps.db, String(id));
    if (!row) throw notFound(`deployment ${id}`);
    return row;
  };

  app.get('/', async (c) => {
    requireScope(c, 'read');
    const { offset, limit } = paging(c, 20);
    const rows = nonEmpty(await deploymentsInOrder(deps.db, offset, limit), 'deployments');
    return c.json(await Promise.all(rows.map((r) => deploymentView(deps.db, r))), 200);
  });

  app.get('/latest', async (c) => {
    requireScope(c, 'read');
    const row = await latestDeployment(deps.db);
    if (!row) throw notFound('deployment');
    return c.json(await deploymentView(deps.db, row), 200);
  });

  app.get('/:id', async (c) => {
    requireScope(c, 'read');
    return c.json(await deploymentView(deps.db, await existing(c)), 200);
  });

  app.patch('/:id', async (c) => {
    const found = await existing(c);
    const principal = requireScope(c, 'deploy:report', found.service);
    const status = oneOf<ReportableStatus>(await readJson(c), 'status', reportableStatuses);
    const { row } = await asTransition(
      commands.reportDeployment(found.id, { environment: found.environment, status, actor: principal.name }),
    );
    return c.json(await deploymentView(deps.db, row), 200);
  });

  app.post('/:id/promotions', async (c) => {
    const found = await existing(c);
    const principal = requireScope(c, 'deploy:report', found.service);
    const body = await readJson(c);
    const name = body.name;
    if (typeof name !== 'string' || name.length === 0) throw invalidField('name', 'may not be empty');
    if (name.length > 8192) throw invalidField('name', 'size must be between 1 and 8192');
    const status = oneOf(body, 'status', promotionStatuses);
    const infoUrl = optionalUrl(body, 'infoUrl');
    await asTransition(
      commands.reportPromotion(found.id, {
        environment: found.environment,
        name,
        status,
        passed: status === 'SUCCESS',
        actor: principal.name,
        ...(infoUrl !== undefined ? { infoUrl } : {}),
      }),
    );
    c.header('location', `/api/deployments/${found.number}`);
    return c.json({ promotion: name, status, infoUrl: infoUrl ?? null, createdAt: new Date().toISOString() }, 201);
  });

  app.post('/', () => {
    throw notAllowed('deployments are created by Slipway, never by hand');
  });
  app.on(['PUT', 'DELETE'], ['/', '/:id'], () => {
    throw notAllowed('a deployment is changed only by PATCH {"status"}');
  });
  return app;
}
