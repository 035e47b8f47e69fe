import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { acquireSignal, environmentLockWorkflowId, type LockRequest } from '../workflows/environment-lock.messages.js';
import type { StoreActivities } from './store.js';

// Temporal-side plumbing of environment locks: a workflow cannot signal-with-start another
// workflow, so requesting a lock is an activity. Repeating it is harmless: the lock workflow
// ignores a request id it already knows.

export interface LockDeps {
  client: Client;
  taskQueue: string;
  store: Pick<StoreActivities, 'isPaused'>;
  /** How often a lock workflow checks that its holders still run (default 60 s). */
  livenessCheckSeconds?: number;
  /** Continue-as-new threshold of lock workflows (default 1,000 events). */
  maxHistoryEvents?: number;
}

export function createLockActivities(deps: LockDeps) {
  return {
    async requestLock(input: { environment: string; concurrency: 'groups' | 'exclusive'; request: LockRequest }): Promise<void> {
      const paused = await deps.store.isPaused(input.environment);
      await deps.client.workflow.signalWithStart('environmentLock', {
        workflowId: environmentLockWorkflowId(deps.taskQueue, input.environment),
        taskQueue: deps.taskQueue,
        args: [{ environment: input.environment, concurrency: input.concurrency, paused, livenessCheckSeconds: deps.livenessCheckSeconds, maxHistoryEvents: deps.maxHistoryEvents }],
        signal: acquireSignal,
        signalArgs: [input.request],
      });
    },

    /** Of the given workflow ids, those no longer running: their locks and places in queue are void. */
    async closedWorkflows(ids: string[]): Promise<string[]> {
      const closed: string[] = [];
      for (const id of ids) {
        try {
          const description = await deps.client.workflow.getHandle(id).describe();
          if (description.status.name !== 'RUNNING') closed.push(id);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) closed.push(id);
          else throw err;
        }
      }
      return closed;
    },
  };
}

export type LockActivities = ReturnType<typeof createLockActivities>;
