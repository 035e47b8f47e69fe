// Replays every workflow run a test produced against today's workflow bundle: a nondeterminism
// that a live worker met (and retried past, or that would hit a worker replaying the run later)
// shows up here as a failure instead of staying in a history nobody looks at.
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { sharedBundle } from './stack.js';

export interface ReplaySummary { runs: number; failures: string[] }

interface RunHistory { workflowId: string; runId: string; type: string; history: History }

async function histories(client: Client, query: string): Promise<RunHistory[]> {
  const found: RunHistory[] = [];
  for await (const w of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    found.push({ workflowId: w.workflowId, runId: w.runId, type: w.type, history });
  }
  return found;
}

/**
 * Fetches the history of every run on `taskQueue` (running, continued-as-new or closed) and replays
 * each. Failed workflow tasks recorded in a history are reported too: a live worker that met a
 * nondeterminism fails the task, and the server retries it, so the history alone may replay.
 */
export async function replayTaskQueue(client: Client, taskQueue: string, workflowBundle?: WorkflowBundleWithSourceMap): Promise<ReplaySummary> {
  const runs = await histories(client, `TaskQueue = '${taskQueue}'`);
  const failures: string[] = [];
  for (const run of runs) {
    for (const event of run.history.events ?? []) {
      const failed = event.workflowTaskFailedEventAttributes;
      // A completion refused because a signal came in meanwhile is Temporal's normal retry, not a fault.
      if (failed && failed.cause !== temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND) failures.push(`${run.workflowId} (${run.type}): workflow task failed at event ${String(event.eventId)}: ${failed.failure?.message ?? failed.cause}`);
    }
  }
  const bundle = workflowBundle ?? await sharedBundle();
  const results = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: `replay-${taskQueue}`, sinks: { exporter: { export: { fn: () => undefined } } } },
    runs.map((r) => ({ workflowId: `${r.workflowId}#${r.runId}`, history: r.history })),
  );
  for await (const result of results) {
    if (!result.error) continue;
    const kind = result.error instanceof DeterminismViolationError ? 'determinism violation' : result.error.name;
    failures.push(`${result.workflowId}: ${kind}: ${result.error.message}`);
  }
  return { runs: runs.length, failures };
}
