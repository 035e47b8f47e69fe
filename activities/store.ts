import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { logger } from '../infra/logger.js';
import { deployments, deploymentTransitions, environmentQueues, queuePauses, releases } from '../db/schema.js';
import type { DeploymentState } from '../domain/deployment-state.js';
import type { EnvironmentLockState } from '../workflows/environment-lock.messages.js';

// Projections into Postgres. Each write is idempotent: a snapshot carries a seq and older
// snapshots never overwrite newer ones, transitions and releases are keyed, so a retried
// activity (or two racing writers of one workflow) converge on the newest state.

export function createStoreActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    async recordDeployment(state: DeploymentState): Promise<void> {
      const row = {
        id: state.id, service: state.service, version: state.version, requestor: state.requestor,
        requestKey: state.id, status: state.status, phase: state.phase, environment: state.environment,
        outcome: state.outcome, waitingOn: state.waitingOn, environments: state.environments,
        approvals: state.approvals, testJobUrl: state.testJobUrl, rollbackOf: state.rollbackOf,
        seq: state.seq, updatedAt: new Date(),
      };
      await db.transaction(async (tx) => {
        const { requestKey: _ignored, ...changes } = row;
        const updated = await tx.update(deployments).set(changes)
          .where(and(eq(deployments.id, state.id), lt(deployments.seq, state.seq))).returning({ id: deployments.id });
        if (updated.length === 0) {
          await tx.insert(deployments).values({ ...row, number: state.number }).onConflictDoNothing();
        } else {
          logger.info({ deploymentId: state.id, number: state.number, service: state.service, version: state.version, status: state.status, phase: state.phase, waitingOn: state.waitingOn?.kind ?? null }, 'deployment changed');
        }
        if (state.transitions.length > 0) {
          await tx.insert(deploymentTransitions).values(state.transitions.map((t) => ({
            deploymentId: state.id, seq: t.seq, fromStatus: t.from, toStatus: t.to, phase: t.phase,
            actor: t.actor, reason: t.reason, at: new Date(t.at),
          }))).onConflictDoNothing();
        }
        const reached = state.environments.filter((e) => e.state === 'deployed');
        if (reached.length > 0) {
          await tx.insert(releases).values(reached.map((e) => ({
            environment: e.environment, service: state.service, version: state.version, deploymentId: state.id,
            at: e.finishedAt ? new Date(e.finishedAt) : new Date(),
          }))).onConflictDoNothing();
        }
      });
    },

    async recordQueue(state: EnvironmentLockState): Promise<void> {
      const values = { environment: state.environment, paused: state.paused, holders: state.holders, waiters: state.waiters, updatedAt: new Date() };
      await db.insert(environmentQueues).values(values)
        .onConflictDoUpdate({ target: environmentQueues.environment, set: { paused: values.paused, holders: values.holders, waiters: values.waiters, updatedAt: values.updatedAt } });
    },

    /** Whether new work in this environment must wait: paused for all ('*') or for this one. */
    async isPaused(environment: string): Promise<boolean> {
      const rows = await db.select().from(queuePauses).where(inArray(queuePauses.scope, ['*', environment]));
      return rows.some((r) => r.paused);
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;

/** Used by health checks and tests: a trivial round trip. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
