import { Hono, type Context } from 'hono';
import { goesStraightToLive } from '../../domain/live-rights.js';
import { liveEnvironmentOf, servicePlan } from '../../domain/service-plan.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import type { DeploymentCommands } from '../deployments/commands.js';
import { cancelRights, requireLiveRights } from '../deployments/rights.js';
import { findDeployment, listDeployments } from '../../db/deployments.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, unauthorized } from '../errors.js';
import { octopushBuckets, octopushJob } from './view.js';
import type { QueueCommands } from '../queue/commands.js';
import { describeProblem, type HealthCheck } from '../health/routes.js';
import { own } from '../../domain/own.js';

// The Octopush-compatible surface (docs/octopush-api.md): every answer is HTTP 200, errors
// included, with compact JSON in Octopush's key order; parameters come as query, form or JSON.

type C = Context<AuthEnv>;

async function params(c: C): Promise<Record<string, string>> {
  const out: Record<string, string> = { ...c.req.query() };
  const type = c.req.header('content-type') ?? '';
  try {
    if (type.includes('application/json')) Object.assign(out, await c.req.json());
    else if (type.includes('form'))
      for (const [k, v] of Object.entries(await c.req.parseBody())) if (typeof v === 'string') out[k] = v;
  } catch {
    // A body Octopush could not read was treated as no parameters.
  }
  return out;
}

/** Octopush's pageSize: 50 when absent, at most 500; anything but a whole number from 1 is refused. */
function pageSizeOf(value: string | undefined): number | null {
  if (value === undefined || value === '') return 50;
  return /^\d{1,9}$/.test(value) && Number(value) >= 1 ? Math.min(Number(value), 500) : null;
}
const badPageSize = {
  status: 'error',
  message: 'pageSize must be a whole number from 1 (at most 500 are listed)',
  field: 'pageSize',
};

const inserted = (n: number) => ({ status: 'success', message: 'Job inserted in queue', job_id: n });
const reason = (err: unknown) =>
  err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);

export function octopushRoutes(deps: ApiDeps, commands: DeploymentCommands, queue: QueueCommands, health: HealthCheck) {
  const app = new Hono<AuthEnv>();
  const octopushEnv = (name: string): string | null => {
    const found = Object.entries(deps.config.environments).find(([env, e]) => env === name || e.octopushName === name);
    return (
      found?.[0] ??
      (name === 'staging' ? deps.config.pipeline[0]! : name === 'prod' ? liveEnvironmentOf(deps.config) : null)
    );
  };

  /** The deployment a `/jobs/{id}/…` route names; not found is the command's own answer. */
  const existing = async (id: string) => {
    const row = await findDeployment(deps.db, id);
    if (!row) throw notFound(`deployment ${id}`);
    return row;
  };

  async function create(c: C, module: string | undefined, version: string | undefined, requestor: string | undefined) {
    try {
      const principal = requireScope(c, 'deploy:request', module || undefined);
      if (!module || !own(deps.config.services, module))
        return c.json({ status: 'error', message: `${module ?? ''} is not a valid module to push.` });
      if (!version) return c.json({ status: 'error', message: 'version is required' });
      // A direct-to-live module starts at QUEUED_FOR_LIVE: its request is its Go Live.
      const plan = servicePlan(deps.config, module);
      if (plan && goesStraightToLive(plan)) requireLiveRights(c, deps.config, plan);
      const { row } = await commands.request({
        service: module,
        version,
        requestor: requestor ?? '',
        key: requestor || undefined,
        actor: principal.name,
      });
      return c.json(inserted(row.number));
    } catch (err) {
      return c.json({ status: 'error', message: reason(err) });
    }
  }

  app.post('/jobs/create', async (c) => {
    const p = await params(c);
    return create(c, p.module, p.version, p.requestor);
  });

  app.get('/environments/:env/modules/:module/versions/:version/push', async (c) => {
    const env = c.req.param('env');
    if (!octopushEnv(env)) return c.json({ status: 'error', message: `${env} is not a valid environment.` });
    return create(c, c.req.param('module'), c.req.param('version'), c.req.header('Jenkins'));
  });

  const status = async (c: C) => {
    const id = c.req.param('id')!;
    try {
      requireScope(c, 'read');
      const row = /^\d+$/.test(id) ? await findDeployment(deps.db, id) : null;
      if (!row)
        return c.json({ status: 'error', message: 'Problems trying to get job status', detail: `job ${id} not found` });
      return c.json({ job_status: row.status, job_id: id });
    } catch (err) {
      return c.json({ status: 'error', message: 'Problems trying to get job status', detail: reason(err) });
    }
  };
  app.get('/jobs/:id/status', status);
  app.get('/status/:id', status);

  app.post('/jobs/:id/register_test_job_url', async (c) => {
    const p = await params(c);
    try {
      const row = await existing(c.req.param('id'));
      const principal = requireScope(c, 'deploy:report', row.service);
      if (!p.test_job_url) throw new Error('test_job_url is required');
      await commands.registerTestJobUrl(row.id, p.test_job_url, principal.name);
      return c.json({ status: 'success', message: 'Test job url registerd' });
    } catch (err) {
      return c.json({ status: 'error', message: 'Problems trying to register Test job url', detail: reason(err) });
    }
  });

  const registerResult = async (c: C, success: string | undefined) => {
    try {
      const row = await existing(c.req.param('id')!);
      const principal = requireScope(c, 'deploy:report', row.service);
      await commands.reportTests(row.id, { passed: success === 'true', actor: principal.name });
      return c.json({ status: 'success', message: 'Test result registered' });
    } catch (err) {
      return c.json({ status: 'error', message: 'Problems trying to register Test result', detail: reason(err) });
    }
  };
  app.post('/jobs/:id/register_test_job_result', async (c) => registerResult(c, (await params(c)).success));
  // Any web page can make a browser send a GET: the state-changing GETs kept for Octopush (test
  // results, pause, resume) need a token even where auth.anonymous allows the change by POST.
  app.get('/jobs/:id/tests/:success', (c) =>
    c.get('principal').anonymous
      ? c.json({ status: 'error', message: 'Problems trying to register Test result', detail: unauthorized().message })
      : registerResult(c, c.req.param('success')),
  );

  app.get('/jobs/:id/golive', async (c) => {
    const id = c.req.param('id');
    const row = await findDeployment(deps.db, id);
    try {
      if (!row) throw new Error('not found');
      const principal = requireScope(c, 'deploy:approve', row.service);
      const { row: after } = await commands.approve(row.id, { actor: principal.name });
      return c.json({ job_status: after.status, job_id: id });
    } catch {
      return c.json({
        job_status: row?.status ?? null,
        job_id: id,
        status: 'Error',
        message: "The job is not in a valid status to go live or you don't have permissions to do this action",
      });
    }
  });

  app.get('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const row = await findDeployment(deps.db, id);
    try {
      if (!row) throw new Error(`job ${id} not found`);
      const { principal, scopes } = cancelRights(c, row);
      const { row: after } = await commands.cancel(row.id, { actor: principal.name, octopushRules: true, scopes });
      return c.json({ job_status: after.status, job_id: id });
    } catch (err) {
      return c.json({
        job_status: row?.status ?? null,
        job_id: id,
        status: 'error',
        message: 'Problems trying to cancel the job',
        detail: reason(err),
      });
    }
  });

  app.get('/jobs/:id/rollback', async (c) => {
    const id = c.req.param('id');
    try {
      const row = await findDeployment(deps.db, id);
      if (!row) throw new Error(`job ${id} not found`);
      const principal = requireScope(c, 'deploy:approve', row.service);
      const plan = servicePlan(deps.config, row.service);
      if (plan) requireLiveRights(c, deps.config, plan);
      const { row: next } = await commands.rollback(row.id, principal.name, 'octopush');
      return c.json(inserted(next.number));
    } catch (err) {
      return c.json({ status: 'error', message: 'Problems trying to rollback the job', detail: reason(err) });
    }
  });

  const switchAnswer = async (c: C, action?: 'pause' | 'resume') => {
    try {
      if (action) {
        const principal = requireScope(c, 'admin');
        await queue[action](undefined, principal.name);
      }
      return c.json({ result: 'SUCCESS', message: (await queue.allPaused()) ? 'The service is paused' : '' });
    } catch (err) {
      return c.json({ result: 'ERROR', message: reason(err) });
    }
  };
  app.get('/run', (c) => {
    requireScope(c, 'read');
    return switchAnswer(c);
  });
  for (const action of ['pause', 'resume'] as const)
    app.get(`/${action}`, (c) =>
      c.get('principal').anonymous
        ? c.json({ result: 'ERROR', message: unauthorized().message })
        : switchAnswer(c, action),
    );

  app.get('/health', async (c) => {
    const problems = (await health.problems()).map((p) => describeProblem(p, c.get('principal')));
    const paused = problems.length === 0 && (await queue.allPaused());
    return c.text(
      `Status: ${problems.length ? `Error (${problems.join('; ')})` : paused ? 'Paused' : 'Ok'}\nVersion: ${deps.version}`,
      problems.length ? 500 : 200,
    );
  });

  app.get('/status', async (c) => {
    requireScope(c, 'read');
    return c.text((await queue.allPaused()) ? 'OFF' : 'ON');
  });

  app.get('/deploying', async (c) => {
    requireScope(c, 'read');
    const [row] = await listDeployments(deps.db, { statuses: ['DEPLOYING', 'GOING_LIVE'], limit: 1 });
    return c.json(
      row
        ? { status: 'Deploying', module: row.service, version: row.version }
        : { status: 'Idle', module: '-', version: '-' },
    );
  });

  const listing = async (
    c: C,
    bucket: 'queued' | 'inprogress' | 'deployed',
    env: 'staging' | 'prod',
    pageSize: number,
  ) => {
    requireScope(c, 'read');
    const rows = await listDeployments(deps.db, {
      statuses: [...octopushBuckets[env][bucket]],
      limit: pageSize,
      service: c.req.query('repo') || undefined,
    });
    return rows.map((r) => octopushJob(r, c.get('principal'), liveEnvironmentOf(deps.config, r.service)));
  };

  app.get('/all', async (c) => {
    const size = pageSizeOf(c.req.query('pageSize'));
    if (size === null) return c.json(badPageSize, 400);
    return c.json({
      preprodQueue: await listing(c, 'queued', 'staging', size),
      preprodInprogress: await listing(c, 'inprogress', 'staging', size),
      preprodDeployed: await listing(c, 'deployed', 'staging', size),
      prodQueue: await listing(c, 'queued', 'prod', size),
      prodInprogress: await listing(c, 'inprogress', 'prod', size),
      prodDeployed: await listing(c, 'deployed', 'prod', size),
    });
  });

  for (const bucket of ['queued', 'inprogress', 'deployed'] as const) {
    app.get(`/:env{staging|prod}/${bucket}`, async (c) => {
      const size = pageSizeOf(c.req.query('pageSize'));
      if (size === null) return c.json(badPageSize, 400);
      return c.json(await listing(c, bucket, c.req.param('env') as 'staging' | 'prod', size));
    });
  }

  return app;
}
