import { and, asc, desc, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import type { DeploymentState } from '../domain/deployment-state.js';
import type { Db, PubSub } from './client.js';
import { deployments, deploymentTransitions, releases } from './schema.js';

// The deployment projection: the row the API inserts at request time and the workflow's store
// activity then keeps up to date, its transitions (audit trail) and releases (what reached where).

export type DeploymentRow = typeof deployments.$inferSelect;

/** The row of a new request; null when a row with this id exists already (the same request again). */
export async function insertRequestedDeployment(
  db: Db,
  state: DeploymentState,
  req: { service: string; requestKey: string },
): Promise<DeploymentRow | null> {
  const [inserted] = await db
    .insert(deployments)
    .values({
      id: state.id,
      service: req.service,
      version: state.version,
      requestor: state.requestor,
      requestKey: req.requestKey,
      status: state.status,
      phase: state.phase,
      environment: state.environment,
      environments: state.environments,
      rollbackOf: state.rollbackOf,
      seq: 0,
    })
    .onConflictDoNothing()
    .returning();
  return inserted ?? null;
}

/** Only for a request whose workflow could not be started: no row is left that nothing will move. */
export async function deleteDeployment(db: Db, id: string): Promise<void> {
  await db.delete(deployments).where(eq(deployments.id, id));
}

/**
 * Writes a workflow's snapshot. Idempotent: a snapshot carries a seq and older snapshots never
 * overwrite newer ones, transitions and releases are keyed, so a retried activity (or two racing
 * writers of one workflow) converge on the newest state. Returns whether the row changed.
 */
export async function recordDeployment(db: Db, state: DeploymentState): Promise<boolean> {
  const row = {
    id: state.id,
    service: state.service,
    version: state.version,
    requestor: state.requestor,
    requestKey: state.id,
    status: state.status,
    phase: state.phase,
    environment: state.environment,
    outcome: state.outcome,
    waitingOn: state.waitingOn,
    environments: state.environments,
    approvals: state.approvals,
    testJobUrl: state.testJobUrl,
    rollbackOf: state.rollbackOf,
    seq: state.seq,
    updatedAt: new Date(),
  };
  return db.transaction(async (tx) => {
    const { requestKey: _ignored, ...changes } = row;
    const updated = await tx
      .update(deployments)
      .set(changes)
      .where(and(eq(deployments.id, state.id), lt(deployments.seq, state.seq)))
      .returning({ id: deployments.id });
    if (updated.length === 0)
      await tx
        .insert(deployments)
        .values({ ...row, number: state.number })
        .onConflictDoNothing();
    if (state.transitions.length > 0) {
      await tx
        .insert(deploymentTransitions)
        .values(
          state.transitions.map((t) => ({
            deploymentId: state.id,
            seq: t.seq,
            fromStatus: t.from,
            toStatus: t.to,
            phase: t.phase,
            actor: t.actor,
            reason: t.reason,
            at: new Date(t.at),
          })),
        )
        .onConflictDoNothing();
    }
    const reached = state.environments.filter((e) => e.state === 'deployed');
    if (reached.length > 0) {
      await tx
        .insert(releases)
        .values(
          reached.map((e) => ({
            environment: e.environment,
            service: state.service,
            version: state.version,
            deploymentId: state.id,
            at: e.finishedAt ? new Date(e.finishedAt) : new Date(),
          })),
        )
        .onConflictDoNothing();
    }
    return updated.length > 0;
  });
}

/** Payload of a `deployment_changed` notification: enough to pick what to re-read, never the row itself. */
export interface DeploymentChange {
  id: string;
  service: string;
  seq: number;
}

const deploymentChannel = 'deployment_changed';

/** Sent after a snapshot changed the row; listeners re-read the table (a lost notice delays, never loses). */
export async function notifyDeploymentChanged(pubsub: PubSub, change: DeploymentChange): Promise<void> {
  await pubsub.notify(deploymentChannel, JSON.stringify(change));
}

/** Resolves once listening, with the function that stops it; payloads that are not a change are ignored. */
export async function listenDeploymentChanges(
  pubsub: PubSub,
  on: (change: DeploymentChange) => void,
): Promise<() => Promise<void>> {
  return pubsub.listen(deploymentChannel, (payload) => {
    let parsed: Partial<DeploymentChange>;
    try {
      parsed = JSON.parse(payload) as Partial<DeploymentChange>;
    } catch {
      return;
    }
    if (typeof parsed.id === 'string' && typeof parsed.service === 'string' && typeof parsed.seq === 'number')
      on({ id: parsed.id, service: parsed.service, seq: parsed.seq });
  });
}

/** The largest deployment number: `number` is a Postgres integer (serial), which refuses a larger one. */
const MAX_NUMBER = 2 ** 31 - 1;

/** `ref` is a deployment id or its number (the Octopush job_id); a number past the column's range finds nothing. */
export async function findDeployment(db: Db, ref: string): Promise<DeploymentRow | null> {
  const numeric = /^\d+$/.test(ref);
  if (numeric && Number(ref) > MAX_NUMBER) return null;
  const where = numeric ? eq(deployments.number, Number(ref)) : eq(deployments.id, ref);
  const [row] = await db.select().from(deployments).where(where);
  return row ?? null;
}

export interface DeploymentFilter {
  service?: string;
  statuses?: string[];
  environment?: string;
  /** Only deployments numbered below this (the next, older page). */
  before?: number;
  /** Only deployments numbered above this (the previous, newer page); still answered newest first. */
  after?: number;
  limit: number;
  requestor?: string;
}

function filterWhere(f: DeploymentFilter): SQL | undefined {
  const where: SQL[] = [];
  if (f.service) where.push(eq(deployments.service, f.service));
  if (f.statuses?.length) where.push(inArray(deployments.status, f.statuses));
  if (f.environment) where.push(eq(deployments.environment, f.environment));
  if (f.requestor) where.push(eq(deployments.requestor, f.requestor));
  if (f.before) where.push(lt(deployments.number, f.before));
  if (f.after) where.push(gt(deployments.number, f.after));
  return where.length ? and(...where) : undefined;
}

/** Newest first (by number: a stable order for paging); `after` takes the oldest ones above it. */
export async function listDeployments(db: Db, f: DeploymentFilter): Promise<DeploymentRow[]> {
  const rows = await db
    .select()
    .from(deployments)
    .where(filterWhere(f))
    .orderBy(f.after ? asc(deployments.number) : desc(deployments.number))
    .limit(f.limit);
  return f.after ? rows.reverse() : rows;
}

/** The columns a listing shows: never a deployer's output, which may be large. */
const summaryColumns = {
  id: deployments.id,
  number: deployments.number,
  service: deployments.service,
  version: deployments.version,
  requestor: deployments.requestor,
  status: deployments.status,
  phase: deployments.phase,
  environment: deployments.environment,
  outcome: deployments.outcome,
  waitingOn: deployments.waitingOn,
  createdAt: deployments.createdAt,
  updatedAt: deployments.updatedAt,
};
export type DeploymentSummaryRow = Pick<DeploymentRow, keyof typeof summaryColumns>;

/** listDeployments without the per-environment detail (outputs), for pages listing many. */
export async function listDeploymentSummaries(db: Db, f: DeploymentFilter): Promise<DeploymentSummaryRow[]> {
  const rows = await db
    .select(summaryColumns)
    .from(deployments)
    .where(filterWhere(f))
    .orderBy(f.after ? asc(deployments.number) : desc(deployments.number))
    .limit(f.limit);
  return f.after ? rows.reverse() : rows;
}

export async function transitionsOf(db: Db, id: string) {
  return db
    .select()
    .from(deploymentTransitions)
    .where(eq(deploymentTransitions.deploymentId, id))
    .orderBy(deploymentTransitions.seq);
}

/** Newest first: the versions of a service that reached an environment. */
export async function releasesOf(db: Db, environment: string, service: string, limit = 20) {
  return db
    .select()
    .from(releases)
    .where(and(eq(releases.environment, environment), eq(releases.service, service)))
    .orderBy(desc(releases.id))
    .limit(limit);
}

/** The row seen as the workflow's state, so that domain rules can judge requests to finished deployments. */
export function rowState(row: DeploymentRow): DeploymentState {
  return {
    id: row.id,
    number: row.number,
    service: row.service,
    version: row.version,
    requestor: row.requestor,
    status: row.status as DeploymentState['status'],
    phase: row.phase as DeploymentState['phase'],
    outcome: row.outcome ?? null,
    environment: row.environment,
    environments: row.environments,
    waitingOn: row.waitingOn ?? null,
    approvals: row.approvals,
    testJobUrl: row.testJobUrl,
    rollbackOf: row.rollbackOf,
    transitions: [],
    seq: row.seq,
  };
}
