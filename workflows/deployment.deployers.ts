import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { BuildStoreActivities } from '../activities/build-store.js';
import type { DockerActivities } from '../activities/docker.js';
import type { DockerDeployer, JobDeployer } from '../domain/config.js';
import type { TemplateValues } from '../domain/service-plan.js';
import { renderTemplate } from '../domain/template.js';
import { executeBuild } from './build.messages.js';
import { correlationId } from './deployment.messages.js';
import { parseDuration } from '../domain/duration.js';
import { ErrorType } from '../domain/errors.js';

// Running one environment's deployer. failed = the deployer said no; errored = we could not get
// an answer (Jenkins or Docker unreachable past the retries, a rejected configuration). The Docker
// and job deployers are here; the Jenkins deployer, which also listens for notices, is in
// deployment.jenkins-deployer.ts.

export interface DeployResult {
  status: 'deployed' | 'failed' | 'errored';
  message: string;
  output?: string;
  jenkinsResult?: string | null;
  buildStatus?: string;
}

export interface DeployContext {
  values: TemplateValues;
  heartbeatMs: number;
  /** Called once the Jenkins build is known, so the projection can link to it. */
  onJenkinsBuild(build: { buildNumber: number; buildUrl: string; consoleUrl: string }): Promise<void>;
  /** Number of Jenkins notices received for this environment so far. */
  notices(): number;
  /** Called once the deploy job's build exists, so the projection can link to it. */
  onBuild(build: { id: string; job: string; number: number }): Promise<void>;
}

export const nonRetryableErrorTypes = [
  ErrorType.BadConfig,
  ErrorType.JenkinsRejected,
  ErrorType.JenkinsQueueCancelled,
  ErrorType.DockerRejected,
  ErrorType.Timeout,
];

export function errored(err: unknown): DeployResult {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
  return { status: 'errored', message };
}

export async function runDocker(deployer: DockerDeployer, ctx: DeployContext): Promise<DeployResult> {
  const timeoutMs = parseDuration(deployer.timeout)!;
  const docker = proxyActivities<DockerActivities>({
    startToCloseTimeout: timeoutMs + 60_000,
    heartbeatTimeout: ctx.heartbeatMs,
    retry: { maximumInterval: '30s', maximumAttempts: 30, nonRetryableErrorTypes },
  });
  const { values } = ctx;
  try {
    const result = await docker.dockerRunContainer({
      key: `${values.deploymentId}-${values.environment}`,
      image: deployer.image,
      command: deployer.command,
      timeoutMs,
      env: {
        MODULE: values.service,
        VERSION: values.version,
        ENVIRONMENT: values.environment,
        SLIPWAY_DEPLOYMENT: values.deploymentId,
      },
      labels: { 'slipway.deployment': values.deploymentId, 'slipway.environment': values.environment },
    });
    const message = `deploy container exited with ${result.exitCode}`;
    return result.exitCode === 0
      ? { status: 'deployed', message, output: result.output }
      : { status: 'failed', message, output: result.output };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return errored(err);
  }
}

/**
 * Runs a Slipway job as the deploy, as a child workflow: stages, hooks and logs come with it. The
 * build is allocated by an activity keyed by deployment and environment, so a retry reuses it.
 */
export async function runJob(deployer: JobDeployer, ctx: DeployContext): Promise<DeployResult> {
  const store = proxyActivities<BuildStoreActivities>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s', nonRetryableErrorTypes },
  });
  try {
    const parameters = Object.fromEntries(
      Object.entries(deployer.parameters).map(([k, t]) => [k, renderTemplate(t, ctx.values)]),
    );
    const input = await store.allocateBuildOnce({
      jobPath: deployer.job,
      parameters,
      trigger: `deployment ${correlationId(ctx.values.deploymentId, ctx.values.environment)}`,
    });
    await ctx.onBuild({ id: input.id, job: input.jobPath, number: input.number });
    const result = await executeBuild(input);
    const message = `build #${input.number} of ${input.jobPath} ${result.status}${result.reason ? `: ${result.reason}` : ''}`;
    return {
      status: result.status === 'succeeded' ? 'deployed' : result.status === 'failed' ? 'failed' : 'errored',
      message,
      buildStatus: result.status,
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return errored(err);
  }
}
