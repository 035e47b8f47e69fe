import { defineQuery, defineUpdate, executeChild, workflowInfo } from '@temporalio/workflow';
import type { BuildInput } from '../domain/build-input.js';
import type { BuildState } from '../domain/build-state.js';

// Messages of the build workflow. Cancel is an Update: the caller learns whether the build was
// still cancellable. Secret parameter values never travel in workflow input or history: the API
// stores them (build_secrets) and the build host's activities read them by build id.

export type { BuildInput } from '../domain/build-input.js';
export { buildWorkflowId } from '../domain/ids.js';

export interface BuildResult {
  status: BuildState['status'];
  reason: string | null;
}

export const buildWorkflowType = 'build';

/** Its id and number are allocated first (db/builds.ts), so the workflow id is the build id. */
export function buildStartOptions(input: BuildInput, opts: { taskQueue: string; memo: Record<string, unknown> }) {
  return { workflowId: input.id, taskQueue: opts.taskQueue, args: [input] as [BuildInput], memo: opts.memo };
}

/** Runs a build as a child of the calling workflow (a deployment's deploy job, a webhook's build), on its task queue. */
export function executeBuild(input: BuildInput): Promise<BuildResult> {
  return executeChild<(input: BuildInput) => Promise<BuildResult>>(buildWorkflowType, {
    workflowId: input.id,
    taskQueue: workflowInfo().taskQueue,
    args: [input],
  });
}

export const cancelBuildUpdate = defineUpdate<BuildState, [{ actor: string }]>('cancelBuild');
export const buildStateQuery = defineQuery<BuildState>('buildState');

/** All build-capable workers poll this queue; the one that takes a claim names its host queue. */
export const buildClaimQueue = (taskQueue: string) => `${taskQueue}-builds`;
export const buildHostQueue = (taskQueue: string, host: string) => `${taskQueue}-host-${host}`;
