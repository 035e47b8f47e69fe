import { Hono, type Context } from 'hono';
import { parse as parseYaml } from 'yaml';
import { requireScope, type AuthEnv } from '../auth.js';
import { publicDefinition, type BuildCommands, type BuildRow, type JobRow } from '../build-commands.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';
import { temporalLink } from '../deployment-view.js';

// /v1/jobs/<folder>/…/<job>[/builds] and /v1/builds/:id. Job paths contain slashes, so these
// routes are plain Hono routes (documented in the OpenAPI registry by api/openapi-builds.ts).

export function buildView(deps: ApiDeps, b: BuildRow) {
  const stages: Array<{ stage: string; commands: BuildRow['commands'] }> = [];
  for (const c of b.commands) {
    const last = stages.at(-1);
    if (last?.stage === c.stage) last.commands.push(c); else stages.push({ stage: c.stage, commands: [c] });
  }
  const base = `/v1/builds/${encodeURIComponent(b.id)}`;
  return {
    id: b.id, job: b.jobPath, number: b.number, status: b.status, reason: b.reason, parameters: b.parameters,
    commit: b.commit, ref: b.ref, host: b.host, triggeredBy: b.triggeredBy, rebuildOf: b.rebuildOf,
    createdAt: b.createdAt.toISOString(), startedAt: b.startedAt?.toISOString() ?? null, finishedAt: b.finishedAt?.toISOString() ?? null,
    durationMs: b.startedAt && b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
    stages, commands: b.commands,
    links: { self: base, log: `${base}/log`, events: `${base}/logs/events`, websocket: `${base}/logs/ws`, temporal: temporalLink(deps, b.id) },
  };
}

function jobView(j: JobRow) {
  return { path: j.path, parent: j.parentPath, definition: publicDefinition(j.definition), nextNumber: j.nextNumber, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString() };
}

type Tree = { name: string; path: string; type: 'folder' | 'job'; children?: Tree[] };
function tree(paths: string[]): Tree[] {
  const root: Tree = { name: '', path: '', type: 'folder', children: [] };
  for (const path of paths) {
    let node = root;
    path.split('/').forEach((name, i, all) => {
      const sub = all.slice(0, i + 1).join('/');
      const type = i === all.length - 1 ? 'job' : 'folder';
      let child = node.children!.find((c) => c.name === name && c.type === type);
      if (!child) { child = { name, path: sub, type, ...(type === 'folder' ? { children: [] } : {}) }; node.children!.push(child); }
      node = child;
    });
  }
  return root.children!;
}

async function body(c: Context, text?: string): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  text ??= await c.req.text();
  try {
    return /ya?ml/.test(type) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest('body', `not valid ${/ya?ml/.test(type) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function parameters(c: Context): Promise<Record<string, string>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  const raw = await body(c, text) as { parameters?: unknown } | null;
  const given = raw?.parameters ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw badRequest('parameters', 'an object of name → string value');
  for (const [k, v] of Object.entries(given)) if (typeof v !== 'string') throw badRequest(`parameters.${k}`, 'a string value');
  return given as Record<string, string>;
}

export function jobRoutes(deps: ApiDeps, commands: BuildCommands) {
  const app = new Hono<AuthEnv>();

  app.get('/jobs', async (c) => {
    requireScope(c, 'read');
    return c.json({ jobs: tree((await commands.listJobs()).map((j) => j.path)) });
  });

  app.get('/jobs/:path{.+/builds}', async (c) => {
    requireScope(c, 'read');
    const path = c.req.param('path').replace(/\/builds$/, '');
    await commands.activeJob(path);
    const limit = Number(c.req.query('limit') ?? 20);
    const before = c.req.query('before') ? Number(c.req.query('before')) : undefined;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw badRequest('limit', 'an integer from 1 to 200');
    if (before !== undefined && !(Number.isInteger(before) && before > 0)) throw badRequest('before', 'a build number');
    const rows = await commands.listBuilds(path, limit, before);
    return c.json({ builds: rows.map((b) => buildView(deps, b)), next: rows.length === limit ? rows.at(-1)!.number : null });
  });

  app.post('/jobs/:path{.+/builds}', async (c) => {
    const principal = requireScope(c, 'build:run');
    const path = c.req.param('path').replace(/\/builds$/, '');
    const build = await commands.trigger(path, await parameters(c), principal.name);
    return c.json(buildView(deps, build), 201);
  });

  app.put('/jobs/:path{.+}', async (c) => {
    requireScope(c, 'jobs:write');
    const { created, job } = await commands.putJob(c.req.param('path'), await body(c));
    return c.json(jobView(job), created ? 201 : 200);
  });

  app.get('/jobs/:path{.+}', async (c) => {
    requireScope(c, 'read');
    return c.json(jobView(await commands.activeJob(c.req.param('path'))));
  });

  app.delete('/jobs/:path{.+}', async (c) => {
    requireScope(c, 'jobs:write');
    await commands.retireJob(c.req.param('path'));
    return c.json({ retired: true });
  });

  app.get('/builds/:id', async (c) => {
    requireScope(c, 'read');
    return c.json(buildView(deps, await commands.findBuild(c.req.param('id'))));
  });

  app.post('/builds/:id/cancel', async (c) => {
    const principal = requireScope(c, 'build:run');
    return c.json(buildView(deps, await commands.cancel(c.req.param('id'), principal.name)));
  });

  app.post('/builds/:id/rebuild', async (c) => {
    const principal = requireScope(c, 'build:run');
    const build = await commands.rebuild(c.req.param('id'), principal.name, await parameters(c));
    return c.json(buildView(deps, build), 201);
  });

  return app;
}
