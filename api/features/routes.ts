import { Hono } from 'hono';
import { findFeature, listFeatures } from '../../db/features.js';
import { requireScope, type AuthEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';

// Features (Ployst): a key found in branch names and PR titles (ABC-123, #42), and everything
// linked to it: branches, pull requests, builds, and — through the artifacts those builds
// registered — the deployments and environments its code reached.

export function featureRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  const { db } = deps;

  app.get('/features', async (c) => {
    requireScope(c, 'read');
    const rows = await listFeatures(db);
    return c.json({ features: rows });
  });

  app.get('/features/:key', async (c) => {
    requireScope(c, 'read');
    const key = c.req.param('key');
    const report = await findFeature(db, key);
    if (!report) throw notFound(`feature ${key}`);
    const { feature, links } = report;
    const of = (kind: string) => links.filter((l) => l.kind === kind).map((l) => ({ repo: l.repo, ref: l.ref, ...l.detail, at: l.at.toISOString() }));
    return c.json({
      key: feature.key, title: feature.title, state: feature.state, url: feature.url, provider: feature.provider,
      branches: of('branch'), pullRequests: of('pull_request'), builds: of('build'), ciBuilds: of('ci'),
      artifacts: report.artifacts.map((a) => ({ service: a.service, version: a.version, commit: a.commit, buildId: a.buildId })),
      deployments: report.deployments.map((d) => ({ id: d.id, number: d.number, service: d.service, version: d.version, state: d.status })),
      environments: [...new Set(report.releases.map((r) => r.environment))],
    });
  });
  return app;
}
