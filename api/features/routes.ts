import { createRoute, z } from '@hono/zod-openapi';
import { findFeature, listFeatures } from '../../db/features.js';
import { requireScope } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { errorResponses, jsonResponse, v1App } from '../openapi.js';

// Features (Ployst): a key found in branch names and PR titles (ABC-123, #42), and everything
// linked to it: branches, pull requests, builds, and — through the artifacts those builds
// registered — the deployments and environments its code reached.

const Link = z.looseObject({ repo: z.string(), ref: z.string(), at: z.string() });
const Feature = z
  .looseObject({
    key: z.string(),
    title: z.string().nullable(),
    state: z.string().nullable(),
    branches: z.array(Link),
    pullRequests: z.array(Link),
    builds: z.array(Link),
    ciBuilds: z.array(Link),
    artifacts: z.array(z.looseObject({ service: z.string(), version: z.string() })),
    deployments: z.array(z.looseObject({ id: z.string(), number: z.number().int(), state: z.string() })),
    environments: z.array(z.string()),
  })
  .openapi('Feature');

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'Features, most recently active first',
  responses: {
    200: jsonResponse(
      z.object({ features: z.array(z.looseObject({ key: z.string(), links: z.number().int() })) }),
      'Up to 200 features',
    ),
    ...errorResponses,
  },
});
const get = createRoute({
  method: 'get',
  path: '/{key}',
  summary: 'A feature and everything linked to it',
  request: { params: z.object({ key: z.string().openapi({ description: 'ABC-123 or #42' }) }) },
  responses: { 200: jsonResponse(Feature, 'The feature'), ...errorResponses },
});

export function featureRoutes(deps: ApiDeps) {
  const app = v1App();
  const { db } = deps;

  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const rows = await listFeatures(db);
    return c.json({ features: rows }, 200);
  });

  app.openapi(get, async (c) => {
    requireScope(c, 'read');
    const { key } = c.req.valid('param');
    const report = await findFeature(db, key);
    if (!report) throw notFound(`feature ${key}`);
    const { feature, links } = report;
    const of = (kind: string) =>
      links
        .filter((l) => l.kind === kind)
        .map((l) => ({ repo: l.repo, ref: l.ref, ...l.detail, at: l.at.toISOString() }));
    return c.json(
      {
        key: feature.key,
        title: feature.title,
        state: feature.state,
        url: feature.url,
        provider: feature.provider,
        branches: of('branch'),
        pullRequests: of('pull_request'),
        builds: of('build'),
        ciBuilds: of('ci'),
        artifacts: report.artifacts.map((a) => ({
          service: a.service,
          version: a.version,
          commit: a.commit,
          buildId: a.buildId,
        })),
        deployments: report.deployments.map((d) => ({
          id: d.id,
          number: d.number,
          service: d.service,
          version: d.version,
          state: d.status,
        })),
        environments: [...new Set(report.releases.map((r) => r.environment))],
      },
      200,
    );
  });
  return app;
}
