import { createRoute, z } from '@hono/zod-openapi';
import { findArtifact, listArtifacts, registerArtifact, type ArtifactRow } from '../../db/artifacts.js';
import { requireScope } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';
import { bearer, bodyByReference, errorResponses, jsonResponse, v1App } from '../openapi.js';
import { readBody } from '../read-body.js';
import { own } from '../../domain/own.js';

// Artifact versions: listed by service; registered by a build's `artifact:` or by this API.

const Artifact = z
  .object({
    service: z.string(),
    version: z.string(),
    digest: z.string().nullable(),
    commit: z.string().nullable(),
    buildId: z.string().nullable(),
    registeredBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('Artifact');
const required = z.string({ error: 'required' }).min(1, 'required');
/** Keys other than these are ignored. */
const NewArtifact = z.object({
  service: required,
  version: required,
  digest: z.string({ error: 'a string' }).optional(),
  commit: z.string({ error: 'a string' }).optional(),
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'Artifact versions, newest first (200 at most)',
  request: { query: z.object({ service: z.string().optional() }) },
  responses: { 200: jsonResponse(z.object({ artifacts: z.array(Artifact) }), 'Newest first'), ...errorResponses },
});
const register = createRoute({
  method: 'post',
  path: '/',
  security: bearer,
  summary: 'Register an artifact version (the same service and version again is kept as first registered)',
  request: { body: bodyByReference('NewArtifact') },
  responses: { 201: jsonResponse(Artifact, 'Registered'), ...errorResponses },
});

export function artifactRoutes(deps: ApiDeps) {
  const app = v1App();
  app.openAPIRegistry.register('NewArtifact', NewArtifact);
  const view = (a: ArtifactRow) => ({
    service: a.service,
    version: a.version,
    digest: a.digest,
    commit: a.commit,
    buildId: a.buildId,
    registeredBy: a.registeredBy,
    createdAt: a.createdAt.toISOString(),
  });

  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const rows = await listArtifacts(deps.db, c.req.valid('query').service);
    return c.json({ artifacts: rows.map(view) }, 200);
  });

  app.openapi(register, async (c) => {
    const principal = requireScope(c, 'deploy:request');
    const body = await readBody(c, NewArtifact);
    if (!own(deps.config.services, body.service)) throw badRequest('service', `unknown service "${body.service}"`);
    await registerArtifact(deps.db, {
      service: body.service,
      version: body.version,
      digest: body.digest ?? null,
      commit: body.commit ?? null,
      registeredBy: principal.name,
    });
    const row = await findArtifact(deps.db, body.service, body.version);
    return c.json(view(row!), 201);
  });
  return app;
}
