import type { Db, PubSub } from '../db/client.js';
import { notifyDeploymentChanged, recordDeployment } from '../db/deployments.js';
import { isPaused, recordQueue } from '../db/environment-queues.js';
import type { DeploymentState } from '../domain/deployment-state.js';
import type { EnvironmentLockState } from '../domain/lock-state.js';
import { logger } from '../infra/logger.js';

// Projections into Postgres, as activities of the deployment and environment lock workflows.
// Each write is idempotent (see db/deployments.ts), so a retried activity converges on the
// newest state.

export function createStoreActivities(deps: { db: Db; pubsub: PubSub }) {
  const { db, pubsub } = deps;
  return {
    async recordDeployment(state: DeploymentState): Promise<void> {
      if (await recordDeployment(db, state)) {
        logger.info(
          {
            deploymentId: state.id,
            number: state.number,
            service: state.service,
            version: state.version,
            status: state.status,
            phase: state.phase,
            waitingOn: state.waitingOn?.kind ?? null,
          },
          'deployment changed',
        );
        // After the commit, so a listener that re-reads sees this snapshot. A retry would find the row
        // unchanged and stay silent, so a failed notice is logged, not thrown: live pages lag until the next one.
        await notifyDeploymentChanged(pubsub, { id: state.id, service: state.service, seq: state.seq }).catch(
          (err: unknown) => logger.warn({ err, deploymentId: state.id }, 'deployment change notice not sent'),
        );
      }
    },

    async recordQueue(state: EnvironmentLockState): Promise<void> {
      await recordQueue(db, state);
    },

    /** Whether new work in this environment must wait: paused for all ('*') or for this one. */
    async isPaused(environment: string): Promise<boolean> {
      return isPaused(db, environment);
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
