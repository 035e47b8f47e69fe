import type { RepositoryConfig } from '../domain/config.js';

// A plain git repository polled by a Temporal schedule (infra/schedules.ts), one per repository.

export interface GitPollInput {
  repo: string;
  url: string;
  rule: RepositoryConfig;
  heartbeatMs?: number;
  /**
   * The task queue the schedule runs polls on, which scopes the ids of the events it starts. Taken
   * from the input rather than from workflowInfo(): a replayer runs the history on a queue of its
   * own, and the child ids it computed from that did not match the recorded ones. Schedules made
   * before this field keep the old source (the same value on the worker that runs them).
   */
  scope?: string;
}

export const gitPollWorkflowType = 'gitPoll';

/** The schedule's id, and the id its runs start with (Temporal appends each run's time). */
export const gitPollScheduleId = (taskQueue: string, repo: string) =>
  `git-poll-${repo.replace(/[^A-Za-z0-9._-]/g, '_')}@${taskQueue}`;

/** The schedule's action: one poll of the repository. */
export function gitPollScheduleAction(input: GitPollInput, taskQueue: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: gitPollWorkflowType,
    taskQueue,
    workflowId: gitPollScheduleId(taskQueue, input.repo),
    args: [input] as [GitPollInput],
  };
}
