import { and, desc, eq, inArray, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { deployments, deploymentTransitions, environmentQueues, releases } from '../db/schema.js';
import type { DeploymentState } from '../domain/deployment-state.js';

// Reads of the deployment projection, shared by the native and the Octopush routes.

export type DeploymentRow = typeof deployments.$inferSelect;

/** `ref` is a deployment id or its number (the Octopush job_id). */
export async function findDeployment(db: Db, ref: string): Promise<DeploymentRow | null> {
  const where = /^\d+$/.test(ref) ? eq(deployments.number, Number(ref)) : eq(deployments.id, ref);
  const [row] = await db.select().from(deployments).where(where);
  return row ?? null;
}

export interface DeploymentFilter { service?: string; statuses?: string[]; environment?: string; before?: number; limit: number; requestor?: string }

export async function listDeployments(db: Db, f: DeploymentFilter): Promise<DeploymentRow[]> {
  const where: SQL[] = [];
  if (f.service) where.push(eq(deployments.service, f.service));
  if (f.statuses?.length) where.push(inArray(deployments.status, f.statuses));
  if (f.environment) where.push(eq(deployments.environment, f.environment));
  if (f.requestor) where.push(eq(deployments.requestor, f.requestor));
  if (f.before) where.push(lt(deployments.number, f.before));
  return db.select().from(deployments).where(where.length ? and(...where) : undefined).orderBy(desc(deployments.number)).limit(f.limit);
}

export async function transitionsOf(db: Db, id: string) {
  return db.select().from(deploymentTransitions).where(eq(deploymentTransitions.deploymentId, id)).orderBy(deploymentTransitions.seq);
}

export async function queueOf(db: Db, environment: string) {
  const [row] = await db.select().from(environmentQueues).where(eq(environmentQueues.environment, environment));
  return row ?? null;
}

/** Newest first: the versions of a service that reached an environment. */
export async function releasesOf(db: Db, environment: string, service: string, limit = 20) {
  return db.select().from(releases).where(and(eq(releases.environment, environment), eq(releases.service, service))).orderBy(desc(releases.id)).limit(limit);
}

/** The row seen as the workflow's state, so that domain rules can judge requests to finished deployments. */
export function rowState(row: DeploymentRow): DeploymentState {
  return {
    id: row.id, number: row.number, service: row.service, version: row.version, requestor: row.requestor,
    status: row.status as DeploymentState['status'], phase: row.phase as DeploymentState['phase'], outcome: row.outcome ?? null,
    environment: row.environment, environments: row.environments, waitingOn: row.waitingOn ?? null, approvals: row.approvals,
    testJobUrl: row.testJobUrl, rollbackOf: row.rollbackOf, transitions: [], seq: row.seq,
  };
}
