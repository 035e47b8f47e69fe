// Replays every workflow run a test produced against today's workflow bundle: a nondeterminism
// that a live worker met (and retried past, or that would hit a worker replaying the run later)
// shows up here as a failure instead of staying in a history nobody looks at.
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

export interface ReplaySummary {
  runs: number;
  failures: string[];
}

export interface RunHistory {
  workflowId: string;
  runId: string;
  type: string;
  history: History;
}

const { WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND } = proto.temporal.api.enums.v1.WorkflowTaskFailedCause;

/**
 * The history of every run that `query` lists (only the workflow types in `types`, if given),
 * fetched ten at a time. A run whose first workflow task has not completed yet (just continued as
 * new) is left out: it has nothing to replay and no task that could have failed.
 */
export async function runHistories(client: Client, query: string, types?: ReadonlySet<string>): Promise<RunHistory[]> {
  const listed: Array<{ workflowId: string; runId: string; type: string }> = [];
  for await (const w of client.workflow.list({ query }))
    if (!types || types.has(w.type)) listed.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  const found: RunHistory[] = [];
  for (let i = 0; i < listed.length; i += 10) {
    const batch = await Promise.all(
      listed
        .slice(i, i + 10)
        .map(async (w) => ({ ...w, history: await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory() })),
    );
    found.push(...batch.filter((r) => r.history.events?.some((e) => e.workflowTaskCompletedEventAttributes)));
  }
  return found;
}

/** Workflow tasks that failed in a history: a live worker that met a nondeterminism fails the task, and the server retries it. */
export function failedWorkflowTasks(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    // A completion refused because a signal came in meanwhile is Temporal's normal retry, not a fault.
    if (!failed || failed.cause === WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND) return [];
    return [
      `workflow task failed at event ${String(event.eventId)}: ${failed.failure?.message ?? String(failed.cause)}`,
    ];
  });
}

/**
 * Fetches the history of every run that `query` lists (running, continued-as-new or closed; only
 * the workflow types in `types`, if given) and replays each on `bundle`. Failed workflow tasks
 * recorded in a history are reported too, since the history alone may replay after the retry.
 */
export async function replayRuns(
  client: Client,
  query: string,
  bundle: WorkflowBundleWithSourceMap,
  types?: ReadonlySet<string>,
): Promise<ReplaySummary> {
  const runs = await runHistories(client, query, types);
  const failures = runs.flatMap((run) =>
    failedWorkflowTasks(run.history).map((f) => `${run.workflowId} (${run.type}): ${f}`),
  );
  const results = Worker.runReplayHistories(
    // The bundle's tracing interceptors export spans through this sink (never called during replay).
    { workflowBundle: bundle, replayName: 'replay-runs', sinks: { exporter: { export: { fn: () => undefined } } } },
    runs.map((r) => ({ workflowId: `${r.workflowId}#${r.runId}`, history: r.history })),
  );
  for await (const result of results) {
    if (!result.error) continue;
    const kind = result.error instanceof DeterminismViolationError ? 'determinism violation' : result.error.name;
    failures.push(`${result.workflowId}: ${kind}: ${result.error.message}`);
  }
  return { runs: runs.length, failures };
}

/** Every run on one task queue (a test stack's). */
export const replayTaskQueue = (client: Client, taskQueue: string, bundle: WorkflowBundleWithSourceMap) =>
  replayRuns(client, `TaskQueue = '${taskQueue}'`, bundle);
