import { asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';
import type { DeploymentRow } from './deployments.js';
import { deployments, environmentQueues, releases } from './schema.js';

// The dashboard's environments board: deployments still under way, what reached each environment
// lately, and the version of each service in each environment. Each query is served by an index
// (db/schema.ts: deployments_active_idx, releases_env_recent_idx, releases_env_service_idx), so the
// board costs the same with 10,000 finished deployments as with 10.

/** The columns a board card shows: never the deployer output, which may be large. */
const card = {
  id: deployments.id,
  number: deployments.number,
  service: deployments.service,
  version: deployments.version,
  requestor: deployments.requestor,
  status: deployments.status,
  phase: deployments.phase,
  environment: deployments.environment,
  waitingOn: deployments.waitingOn,
  updatedAt: deployments.updatedAt,
};

export type BoardCard = Pick<DeploymentRow, keyof typeof card>;

/** Deployments not finished, oldest first (the order locks are granted in); at most `limit`. */
export async function activeDeployments(db: Db, limit = 500): Promise<BoardCard[]> {
  return db
    .select(card)
    .from(deployments)
    .where(ne(deployments.phase, 'finished'))
    .orderBy(asc(deployments.number))
    .limit(limit);
}

export interface RecentRelease {
  environment: string;
  service: string;
  version: string;
  deploymentId: string;
  number: number | null;
  requestor: string | null;
  at: Date;
}

/** Newest first: the last `limit` versions that reached each of these environments. */
export async function recentReleases(db: Db, environments: string[], limit = 5): Promise<RecentRelease[]> {
  const perEnvironment = await Promise.all(
    environments.map((environment) =>
      db
        .select({
          environment: releases.environment,
          service: releases.service,
          version: releases.version,
          deploymentId: releases.deploymentId,
          number: deployments.number,
          requestor: deployments.requestor,
          at: releases.at,
        })
        .from(releases)
        .leftJoin(deployments, eq(deployments.id, releases.deploymentId))
        .where(eq(releases.environment, environment))
        .orderBy(desc(releases.id))
        .limit(limit),
    ),
  );
  return perEnvironment.flat();
}

export interface CurrentVersion {
  environment: string;
  service: string;
  version: string;
  deploymentId: string;
  at: Date;
}

interface CurrentVersionRow {
  environment: string;
  service: string;
  version: string;
  deployment_id: string;
  at: string | Date;
}

const textArray = (values: string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/**
 * The version each service last reached in each environment: the newest release row of each pair,
 * one index probe (releases_env_service_idx) per pair, however long the history.
 */
export async function currentVersions(db: Db, environments: string[], services: string[]): Promise<CurrentVersion[]> {
  if (environments.length === 0 || services.length === 0) return [];
  const result: unknown = await db.execute(sql`select e.environment, s.service, r.version, r.deployment_id, r.at
    from unnest(${textArray(environments)}) as e(environment)
    cross join unnest(${textArray(services)}) as s(service)
    cross join lateral (
      select ${releases.version}, ${releases.deploymentId}, ${releases.at} from ${releases}
      where ${releases.environment} = e.environment and ${releases.service} = s.service
      order by ${releases.id} desc limit 1
    ) r`);
  const rows = rowsOf<CurrentVersionRow>(result);
  return rows.map((r) => ({
    environment: r.environment,
    service: r.service,
    version: r.version,
    deploymentId: r.deployment_id,
    at: new Date(r.at),
  }));
}

export interface EnvironmentQueue {
  environment: string;
  paused: boolean;
  holders: Array<{ workflowId: string; service: string }>;
  waiters: Array<{ workflowId: string; service: string; order: number }>;
}

/** The lock queues' projections of these environments (an environment never locked has none). */
export async function environmentQueuesOf(db: Db, environments: string[]): Promise<EnvironmentQueue[]> {
  if (environments.length === 0) return [];
  const rows = await db.select().from(environmentQueues).where(inArray(environmentQueues.environment, environments));
  return rows.map((r) => ({
    environment: r.environment,
    paused: r.paused,
    holders: r.holders as EnvironmentQueue['holders'],
    waiters: r.waiters as EnvironmentQueue['waiters'],
  }));
}
