import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { artifacts, deployments, featureLinks, features, releases } from './schema.js';

// Features (Ployst): a key found in branch names and PR titles (ABC-123, #42), and everything
// linked to it: branches, pull requests, builds, CI builds, and — through the artifacts those
// builds registered — the deployments and environments its code reached.

export type FeatureRow = typeof features.$inferSelect;
export type FeatureLinkRow = typeof featureLinks.$inferSelect;

export interface FeatureLink {
  featureKey: string;
  kind: 'branch' | 'pull_request' | 'build' | 'ci';
  repo: string;
  ref: string;
  detail: Record<string, unknown>;
}

/** Creates the feature if it is new and upserts the link (a repeated link takes the newer detail and time). */
export async function linkFeature(db: Db, link: FeatureLink): Promise<void> {
  await db.insert(features).values({ key: link.featureKey }).onConflictDoNothing();
  await db
    .insert(featureLinks)
    .values(link)
    .onConflictDoUpdate({
      target: [featureLinks.featureKey, featureLinks.kind, featureLinks.repo, featureLinks.ref],
      set: { detail: link.detail, at: new Date() },
    });
}

/** What the planning provider says of a feature (an issue's title and state). */
export async function describeFeature(
  db: Db,
  input: { key: string; title: string | null; state: string | null; url: string | null; provider: string },
): Promise<void> {
  await db
    .update(features)
    .set({ title: input.title, state: input.state, url: input.url, provider: input.provider, updatedAt: new Date() })
    .where(eq(features.key, input.key));
}

/** The 200 features with the most recent activity, with their link counts. */
export async function listFeatures(db: Db) {
  return db
    .select({
      key: features.key,
      title: features.title,
      state: features.state,
      links: sql<number>`count(${featureLinks.id})::int`,
      lastActivity: sql<string>`max(${featureLinks.at})`,
    })
    .from(features)
    .leftJoin(featureLinks, eq(featureLinks.featureKey, features.key))
    .groupBy(features.key)
    .orderBy(desc(sql`max(${featureLinks.at})`))
    .limit(200);
}

export interface FeatureReport {
  feature: FeatureRow;
  /** Oldest first. */
  links: FeatureLinkRow[];
  /** Artifacts registered by the feature's builds. */
  artifacts: (typeof artifacts.$inferSelect)[];
  /** Releases of those artifacts: which environments the feature's code reached. */
  releases: (typeof releases.$inferSelect)[];
  /** The deployments that made those releases. */
  deployments: (typeof deployments.$inferSelect)[];
}

export async function findFeature(db: Db, key: string): Promise<FeatureReport | null> {
  const [feature] = await db.select().from(features).where(eq(features.key, key));
  if (!feature) return null;
  const links = await db.select().from(featureLinks).where(eq(featureLinks.featureKey, key)).orderBy(featureLinks.at);
  const buildIds = links.filter((l) => l.kind === 'build').map((l) => l.ref);
  const built = buildIds.length ? await db.select().from(artifacts).where(inArray(artifacts.buildId, buildIds)) : [];
  const reached = built.length
    ? await db
        .select()
        .from(releases)
        .where(
          inArray(
            releases.version,
            built.map((a) => a.version),
          ),
        )
    : [];
  const relevant = reached.filter((r) => built.some((a) => a.service === r.service && a.version === r.version));
  const deployed = relevant.length
    ? await db
        .select()
        .from(deployments)
        .where(
          inArray(
            deployments.id,
            relevant.map((r) => r.deploymentId),
          ),
        )
    : [];
  return { feature, links, artifacts: built, releases: relevant, deployments: deployed };
}
