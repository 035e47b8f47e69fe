import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BuildHostActivities } from '../activities/build-host.js';
import type { BuildRunnerActivities } from '../activities/build-runner.js';
import { ErrorType } from '../domain/errors.js';
import { buildClaimQueue, type BuildInput } from './build.messages.js';

// The build host a build runs on: claimed through the queue all build hosts poll, then every
// activity runs on that host's own task queue (it holds the workspace).

const nonRetryableErrorTypes = [ErrorType.BadConfig, ErrorType.DockerRejected, ErrorType.Timeout];

/** The claimed host, its activities and what every command on it gets. */
export interface BuildHost {
  name: string;
  /** Checkout, start and destroy: retried. */
  runner: BuildRunnerActivities;
  /** A command: never retried (re-running a command is not safe). */
  exec: BuildRunnerActivities;
  /** What every host activity is told about the build; `trusted: false` keeps its secrets off the host. */
  target: { buildId: string; jobPath: string; number: number; trusted?: boolean };
  env: Record<string, string>;
}

/** Waits (status queued) until some build host takes the claim. */
export function claimBuildHost(): Promise<{ name: string; taskQueue: string }> {
  const hosts = proxyActivities<BuildHostActivities>({
    taskQueue: buildClaimQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s' },
  });
  return hosts.claimBuildHost();
}

export function onBuildHost(input: BuildInput, host: { name: string; taskQueue: string }): BuildHost {
  const onHost = {
    taskQueue: host.taskQueue,
    scheduleToStartTimeout: '2m',
    heartbeatTimeout: input.heartbeatMs ?? 30_000,
  } as const;
  const runner = proxyActivities<BuildRunnerActivities>({
    ...onHost,
    startToCloseTimeout: '1h',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes },
  });
  const exec = proxyActivities<BuildRunnerActivities>({
    ...onHost,
    startToCloseTimeout: '24h',
    retry: { maximumAttempts: 1 },
  });
  const target = {
    buildId: input.id,
    jobPath: input.jobPath,
    number: input.number,
    ...(input.trusted === false ? { trusted: false } : {}),
  };
  const env = {
    ...input.env,
    SLIPWAY_BUILD_ID: input.id,
    SLIPWAY_BUILD_NUMBER: String(input.number),
    SLIPWAY_JOB: input.jobPath,
  };
  return { name: host.name, runner, exec, target, env };
}
