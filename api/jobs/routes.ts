import { createRoute, z } from '@hono/zod-openapi';
import type { JobRow } from '../../db/jobs.js';
import { JobDefinition, jobPathPattern } from '../../domain/job.js';
import { jobTree } from '../../domain/job-tree.js';
import { publicDefinition } from '../../domain/secret-parameters.js';
import { requireScope } from '../middleware/auth.js';
import type { BuildCommands } from '../builds/commands.js';
import { Build, BuildParameters, buildView } from '../builds/view.js';
import type { ApiDeps } from '../deps.js';
import { bearer, bodyByReference, errorResponses, jsonResponse, v1App } from '../openapi.js';
import { readBody } from '../read-body.js';
import { requireDeployJobAccess } from './deploy-job-guard.js';

// /v1/jobs: job definitions in folders (folder/…/job), and the builds of each. A job path spans
// segments, so its routes use Hono's `{path{.+}}` pattern (documented as `{path}`, api/openapi.ts).

const Job = z
  .looseObject({
    path: z.string(),
    parent: z.string().nullable(),
    definition: z.unknown(),
    nextNumber: z.number().int(),
  })
  .openapi('Job');
const JobPath = z.string().openapi({ description: 'folder/…/job' });
const NewJobPath = JobPath.refine(
  (p) => jobPathPattern.test(p) && !p.split('/').includes('builds'),
  'a job path is folder/…/job: letters, digits, ".", "_" or "-" per segment, and no segment named "builds"',
);
/** `{path{.+/builds}}` matches the job path with its `/builds`: the parameter drops it. */
const JobOfBuilds = z.object({ path: JobPath.transform((p) => p.replace(/\/builds$/, '')) });
const buildNumber = (message: string) => z.coerce.number({ error: message }).int(message);

const tree = createRoute({
  method: 'get',
  path: '/',
  summary: 'The job tree (folders and jobs)',
  responses: { 200: jsonResponse(z.object({ jobs: z.array(z.unknown()) }), 'Tree'), ...errorResponses },
});
const listBuilds = createRoute({
  method: 'get',
  path: '/{path{.+/builds}}',
  summary: 'Builds of a job, newest first',
  request: {
    params: JobOfBuilds,
    query: z.object({
      limit: buildNumber('an integer from 1 to 200')
        .min(1, 'an integer from 1 to 200')
        .max(200, 'an integer from 1 to 200')
        .default(20),
      before: buildNumber('a build number').positive('a build number').optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ builds: z.array(Build), next: z.number().int().nullable() }), 'A page'),
    ...errorResponses,
  },
});
const trigger = createRoute({
  method: 'post',
  path: '/{path{.+/builds}}',
  security: bearer,
  summary: 'Trigger a build',
  request: { params: JobOfBuilds, body: bodyByReference('BuildParameters', ['application/json'], false) },
  responses: { 201: jsonResponse(Build, 'Triggered'), ...errorResponses },
});
const put = createRoute({
  method: 'put',
  path: '/{path{.+}}',
  security: bearer,
  summary: 'Create or replace a job definition (JSON or YAML body)',
  request: {
    params: z.object({ path: NewJobPath }),
    body: bodyByReference('JobDefinition', ['application/json', 'application/yaml']),
  },
  responses: { 201: jsonResponse(Job, 'Created'), 200: jsonResponse(Job, 'Replaced'), ...errorResponses },
});
const get = createRoute({
  method: 'get',
  path: '/{path{.+}}',
  summary: 'A job definition (secret defaults masked)',
  request: { params: z.object({ path: JobPath }) },
  responses: { 200: jsonResponse(Job, 'The job'), ...errorResponses },
});
const retire = createRoute({
  method: 'delete',
  path: '/{path{.+}}',
  security: bearer,
  summary: 'Retire a job (its build numbers are never reused)',
  request: { params: z.object({ path: JobPath }) },
  responses: { 200: jsonResponse(z.object({ retired: z.boolean() }), 'Retired'), ...errorResponses },
});

function jobView(j: JobRow) {
  return {
    path: j.path,
    parent: j.parentPath,
    definition: publicDefinition(j.definition),
    nextNumber: j.nextNumber,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}

export function jobRoutes(deps: ApiDeps, commands: BuildCommands) {
  const app = v1App();
  // domain/ holds plain zod (no .openapi()); under tsx zod-to-openapi may load its CommonJS build with
  // another zod instance, so the document gets the schema's JSON Schema rather than the schema.
  app.openAPIRegistry.registerComponent(
    'schemas',
    'JobDefinition',
    z.toJSONSchema(JobDefinition, { io: 'input', unrepresentable: 'any' }) as Parameters<
      typeof app.openAPIRegistry.registerComponent<'schemas'>
    >[2],
  );
  app.openAPIRegistry.register('BuildParameters', BuildParameters);

  app.openapi(tree, async (c) => {
    requireScope(c, 'read');
    return c.json({ jobs: jobTree((await commands.listJobs()).map((j) => j.path)) }, 200);
  });

  // The builds routes come first: `{path{.+}}` matches `folder/job/builds` too.
  app.openapi(listBuilds, async (c) => {
    requireScope(c, 'read');
    const { path } = c.req.valid('param');
    const { limit, before } = c.req.valid('query');
    await commands.activeJob(path);
    const rows = await commands.listBuilds(path, limit, before);
    return c.json(
      { builds: rows.map((b) => buildView(deps, b)), next: rows.length === limit ? rows.at(-1)!.number : null },
      200,
    );
  });

  app.openapi(trigger, async (c) => {
    const principal = requireScope(c, 'build:run');
    const { path } = c.req.valid('param');
    requireDeployJobAccess(c, deps.config, path);
    const body = await readBody(c, BuildParameters, { empty: {} });
    const build = await commands.trigger(path, body?.parameters ?? {}, principal.name);
    return c.json(buildView(deps, build), 201);
  });

  app.openapi(put, async (c) => {
    const principal = requireScope(c, 'jobs:write');
    const { path } = c.req.valid('param');
    requireDeployJobAccess(c, deps.config, path);
    const definition = await readBody(c, JobDefinition, { yaml: true });
    const { created, job } = await commands.putJob(path, definition, principal.name);
    return c.json(jobView(job), created ? 201 : 200);
  });

  app.openapi(get, async (c) => {
    requireScope(c, 'read');
    return c.json(jobView(await commands.activeJob(c.req.valid('param').path)), 200);
  });

  app.openapi(retire, async (c) => {
    const principal = requireScope(c, 'jobs:write');
    const { path } = c.req.valid('param');
    requireDeployJobAccess(c, deps.config, path);
    await commands.retireJob(path, principal.name);
    return c.json({ retired: true }, 200);
  });

  return app;
}
