import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  acquireSignal,
  environmentLockWorkflowType,
  lockSignalWithStartOptions,
  type LockRequest,
  type LockTuning,
} from '../workflows/environment-lock.messages.js';
import type { StoreActivities } from './store.js';

// Temporal-side plumbing of environment locks: a workflow cannot signal-with-start another
// workflow, so requesting a lock is an activity. Repeating it is harmless: the lock workflow
// ignores a request id it already knows.

export interface LockDeps {
  client: Client;
  taskQueue: string;
  store: Pick<StoreActivities, 'isPaused'>;
  /** How lock workflows run (their defaults when absent); the API starts them with the same. */
  tuning?: LockTuning;
}

/** Workflow ids per visibility query: well under the length a list filter may have. */
const VISIBILITY_BATCH = 100;

export function createLockActivities(deps: LockDeps) {
  return {
    async requestLock(input: {
      environment: string;
      concurrency: 'groups' | 'exclusive';
      request: LockRequest;
    }): Promise<void> {
      const paused = await deps.store.isPaused(input.environment);
      const lock = {
        taskQueue: deps.taskQueue,
        environment: input.environment,
        concurrency: input.concurrency,
        paused,
        tuning: deps.tuning,
      };
      await deps.client.workflow.signalWithStart(
        environmentLockWorkflowType,
        lockSignalWithStartOptions(lock, acquireSignal, input.request),
      );
    },

    /**
     * Of the given workflow ids, those no longer running: their locks and places in queue are void.
     * A busy lock holds hundreds of requests and asks every minute, so the running ones are found
     * with a few visibility queries; only ids missing there (closed, or too new for visibility,
     * which lags) are described one by one.
     */
    async closedWorkflows(ids: string[]): Promise<string[]> {
      const running = new Set<string>();
      // Slipway's workflow ids never hold quotes or backslashes; any other id is simply described.
      const quotable = ids.filter((id) => !/['\\]/.test(id));
      for (let i = 0; i < quotable.length; i += VISIBILITY_BATCH) {
        const batch = quotable
          .slice(i, i + VISIBILITY_BATCH)
          .map((id) => `'${id}'`)
          .join(', ');
        for await (const w of deps.client.workflow.list({
          query: `WorkflowId IN (${batch}) AND ExecutionStatus = 'Running'`,
        }))
          running.add(w.workflowId);
      }
      const closed: string[] = [];
      for (const id of ids.filter((x) => !running.has(x))) {
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
