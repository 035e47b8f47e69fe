import { createRoute, z } from '@hono/zod-openapi';
import { artifactModule, listArtifacts, type ArtifactRow } from '../../db/artifacts.js';
import { requireScope } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { bearer, bodyByReference, errorResponses, jsonResponse, v1App } from '../openapi.js';
import { readBody } from '../read-body.js';
import { asBadRequest, type ArtifactCommands } from './commands.js';

// Artifact versions: listed by service or module; registered by a build's `artifact:` or by this
// API. Immutable: the same module and version again is the same artifact (200) or refused (409).

const Artifact = z
  .object({
    id: z.number().int(),
    service: z.string(),
    module: z.string(),
    version: z.string(),
    digest: z.string().nullable(),
    commit: z.string().nullable(),
    sourceUrl: z.string().nullable(),
    buildId: z.string().nullable(),
    registeredBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('Artifact');
const required = z.string({ error: 'required' }).min(1, 'required');
/** Keys other than these are ignored. */
const NewArtifact = z.object({
  /** The owning service; may be left out when `module` belongs to one service only. */
  service: required.optional(),
  /** `group:name`; may be left out when the service has one artifact. */
  module: required.optional(),
  version: required,
  /** sha256:<64 hex> of the image or file. */
  digest: z.string({ error: 'a string' }).optional(),
  commit: z.string({ error: 'a string' }).optional(),
  sourceUrl: z.string({ error: 'a string' }).optional(),
});
const Registered = Artifact.extend({
  /** Deployments "artifact ready" requested (services with deployOnArtifact). */
  deployments: z.array(z.object({ id: z.string(), number: z.number().int(), service: z.string() })),
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'Artifact versions, newest first (200 at most)',
  request: { query: z.object({ service: z.string().optional(), module: z.string().optional() }) },
  responses: { 200: jsonResponse(z.object({ artifacts: z.array(Artifact) }), 'Newest first'), ...errorResponses },
});
const register = createRoute({
  method: 'post',
  path: '/',
  security: bearer,
  summary: 'Register an artifact version; it starts the pipeline of services with deployOnArtifact',
  request: { body: bodyByReference('NewArtifact') },
  responses: {
    201: jsonResponse(Registered, 'Registered'),
    200: jsonResponse(Registered, 'This very artifact was registered already'),
    ...errorResponses,
  },
});

export function artifactRoutes(deps: ApiDeps, commands: ArtifactCommands) {
  const app = v1App();
  app.openAPIRegistry.register('NewArtifact', NewArtifact);
  const view = (a: ArtifactRow) => ({
    id: a.id,
    service: a.service,
    module: artifactModule(a),
    version: a.version,
    digest: a.digest,
    commit: a.commit,
    sourceUrl: a.sourceUrl,
    buildId: a.buildId,
    registeredBy: a.registeredBy,
    createdAt: a.createdAt.toISOString(),
  });

  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const { service, module } = c.req.valid('query');
    const rows = await listArtifacts(deps.db, { service, module, limit: 200 });
    return c.json({ artifacts: rows.map(view) }, 200);
  });

  app.openapi(register, async (c) => {
    const principal = requireScope(c, 'deploy:request');
    const body = await readBody(c, NewArtifact);
    const { registration, deployments } = await commands.register(body, principal).catch(asBadRequest);
    return c.json({ ...view(registration.row), deployments }, registration.outcome === 'created' ? 201 : 200);
  });
  return app;
}
