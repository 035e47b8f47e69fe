import { proxyActivities, type CancellationScope } from '@temporalio/workflow';
import type { BuildStoreActivities } from '../activities/build-store.js';
import type { BuildState } from '../domain/build-state.js';
import type { BuildInput } from './build.messages.js';

// What the parts of one build run share: build.ts (the run and its cancel Update), its build host
// (build.host.ts) and its commands (build.steps.ts). The cancel Update changes it while a command runs.

export const store = proxyActivities<BuildStoreActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumInterval: '10s' },
});
export const now = () => new Date().toISOString();

export type Outcome = 'ok' | 'failed' | 'cancelled' | 'errored';

export interface BuildRun {
  input: BuildInput;
  state: BuildState;
  /** Who cancelled the build (the cancel Update), or null. */
  cancelledBy: string | null;
  /** The scope of the cancellable command running now, which a cancel cancels. */
  running: CancellationScope | null;
  /** Projects the state to Postgres. */
  record(): Promise<void>;
  /** Projects a command's progress: with throttleStepRecords, at most once a second unless the status changed. */
  recordStep(): Promise<void>;
}

/** A run of `state`; `throttleStepRecords` is the patch throttle-build-step-records (build.ts). */
export function buildRun(input: BuildInput, state: BuildState, throttleStepRecords: boolean): BuildRun {
  let recordedAt = 0;
  let recordedStatus: BuildState['status'] | null = null;
  const record = () => {
    state.seq += 1;
    recordedAt = Date.now();
    recordedStatus = state.status;
    return store.recordBuild(JSON.parse(JSON.stringify(state)) as BuildState);
  };
  const recordStep = () =>
    !throttleStepRecords || recordedStatus !== state.status || Date.now() - recordedAt >= 1000
      ? record()
      : Promise.resolve();
  return { input, state, cancelledBy: null, running: null, record, recordStep };
}
