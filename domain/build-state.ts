import type { BuildPlan, PlannedCommand } from './build-plan.js';

// The state a build workflow keeps and projects to Postgres.

export type BuildStatus =
  | 'queued' //    accepted, waiting for a build host
  | 'running' //   commands are running
  | 'succeeded' // every step passed (or ignored its exit code)
  | 'failed' //    a step failed or timed out
  | 'cancelled' // cancelled by a person; onFailure hooks ran
  | 'errored'; //  we could not run it: a host died, an image is missing, a job file is invalid

export const finishedBuildStatuses: ReadonlySet<BuildStatus> = new Set(['succeeded', 'failed', 'cancelled', 'errored']);

export interface CommandRecord {
  key: string;
  stage: string;
  step: string;
  kind: 'hook' | 'step';
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'errored';
  exitCode?: number | null;
  startedAt?: string;
  finishedAt?: string;
  truncated?: boolean;
  message?: string;
}

export interface BuildState {
  id: string;
  jobPath: string;
  number: number;
  status: BuildStatus;
  commands: CommandRecord[];
  commit: string | null;
  ref: string | null;
  host: string | null;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  seq: number;
}

export function planCommands(plan: BuildPlan): PlannedCommand[] {
  return [
    ...(plan.onStart ? [plan.onStart] : []),
    ...plan.stages.flatMap((s) => [
      ...(s.onStart ? [s.onStart] : []),
      ...s.steps,
      ...(s.onSuccess ? [s.onSuccess] : []),
      ...(s.onFailure ? [s.onFailure] : []),
    ]),
    ...(plan.onSuccess ? [plan.onSuccess] : []),
    ...(plan.onFailure ? [plan.onFailure] : []),
  ];
}

export function commandRecords(plan: BuildPlan): CommandRecord[] {
  return planCommands(plan).map((c) => ({ key: c.key, stage: c.stage, step: c.step, kind: c.kind, status: 'pending' }));
}
