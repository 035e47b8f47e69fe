import { Hono } from 'hono';
import { findArtifact, listArtifacts, registerArtifact, type ArtifactRow } from '../../db/artifacts.js';
import { requireScope, type AuthEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';

// Artifact versions: listed by service; registered by a build's `artifact:` or by this API.

export function artifactRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  const view = (a: ArtifactRow) => ({ service: a.service, version: a.version, digest: a.digest, commit: a.commit, buildId: a.buildId, registeredBy: a.registeredBy, createdAt: a.createdAt.toISOString() });

  app.get('/artifacts', async (c) => {
    requireScope(c, 'read');
    const service = c.req.query('service');
    const rows = await listArtifacts(deps.db, service);
    return c.json({ artifacts: rows.map(view) });
  });

  app.post('/artifacts', async (c) => {
    const principal = requireScope(c, 'deploy:request');
    let body: Record<string, unknown>;
    try { body = await c.req.json(); } catch { throw badRequest('body', 'not JSON'); }
    for (const field of ['service', 'version'] as const) if (typeof body[field] !== 'string' || !body[field]) throw badRequest(field, 'required');
    if (!deps.config.services[body.service as string]) throw badRequest('service', `unknown service "${String(body.service)}"`);
    for (const field of ['digest', 'commit'] as const) if (body[field] !== undefined && typeof body[field] !== 'string') throw badRequest(field, 'a string');
    await registerArtifact(deps.db, { service: body.service as string, version: body.version as string, digest: (body.digest as string) ?? null, commit: (body.commit as string) ?? null, registeredBy: principal.name });
    const row = await findArtifact(deps.db, body.service as string, body.version as string);
    return c.json(view(row!), 201);
  });
  return app;
}
