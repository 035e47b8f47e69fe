import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BuildState } from '../domain/build-state.js';

// Messages of the build workflow. Cancel is an Update: the caller learns whether the build was
// still cancellable. Secret parameter values never travel in workflow input or history: the API
// stores them (build_secrets) and the build host's activities read them by build id.

export type { BuildInput } from '../domain/build-input.js';
export { buildWorkflowId } from '../domain/ids.js';

export interface BuildResult { status: BuildState['status']; reason: string | null }

export const cancelBuildUpdate = defineUpdate<BuildState, [{ actor: string }]>('cancelBuild');
export const buildStateQuery = defineQuery<BuildState>('buildState');

/** All build-capable workers poll this queue; the one that takes a claim names its host queue. */
export const buildClaimQueue = (taskQueue: string) => `${taskQueue}-builds`;
export const buildHostQueue = (taskQueue: string, host: string) => `${taskQueue}-host-${host}`;
