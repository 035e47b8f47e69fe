import { Hono } from 'hono';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { artifacts, deployments, featureLinks, features, releases } from '../../db/schema.js';
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
    const rows = await db.select({ key: features.key, title: features.title, state: features.state, links: sql<number>`count(${featureLinks.id})::int`, lastActivity: sql<string>`max(${featureLinks.at})` })
      .from(features).leftJoin(featureLinks, eq(featureLinks.featureKey, features.key)).groupBy(features.key).orderBy(desc(sql`max(${featureLinks.at})`)).limit(200);
    return c.json({ features: rows });
  });

  app.get('/features/:key', async (c) => {
    requireScope(c, 'read');
    const key = c.req.param('key');
    const [feature] = await db.select().from(features).where(eq(features.key, key));
    if (!feature) throw notFound(`feature ${key}`);
    const links = await db.select().from(featureLinks).where(eq(featureLinks.featureKey, key)).orderBy(featureLinks.at);
    const of = (kind: string) => links.filter((l) => l.kind === kind).map((l) => ({ repo: l.repo, ref: l.ref, ...l.detail, at: l.at.toISOString() }));
    const buildIds = links.filter((l) => l.kind === 'build').map((l) => l.ref);
    const built = buildIds.length ? await db.select().from(artifacts).where(inArray(artifacts.buildId, buildIds)) : [];
    const reached = built.length ? await db.select().from(releases).where(inArray(releases.version, built.map((a) => a.version))) : [];
    const relevant = reached.filter((r) => built.some((a) => a.service === r.service && a.version === r.version));
    const deployed = relevant.length ? await db.select().from(deployments).where(and(inArray(deployments.id, relevant.map((r) => r.deploymentId)))) : [];
    return c.json({
      key: feature.key, title: feature.title, state: feature.state, url: feature.url, provider: feature.provider,
      branches: of('branch'), pullRequests: of('pull_request'), builds: of('build'), ciBuilds: of('ci'),
      artifacts: built.map((a) => ({ service: a.service, version: a.version, commit: a.commit, buildId: a.buildId })),
      deployments: deployed.map((d) => ({ id: d.id, number: d.number, service: d.service, version: d.version, state: d.status })),
      environments: [...new Set(relevant.map((r) => r.environment))],
    });
  });
  return app;
}
