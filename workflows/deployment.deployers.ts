import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { DockerActivities } from '../activities/docker.js';
import type { JenkinsActivities, JenkinsBuildStatus } from '../activities/jenkins.js';
import type { DockerDeployer, JenkinsDeployer } from '../domain/config.js';
import { jenkinsParameters, type TemplateValues } from '../domain/service-plan.js';
import { parseDuration } from '../domain/duration.js';
import { ErrorType } from '../domain/errors.js';

// Running one environment's deployer. failed = the deployer said no; errored = we could not get
// an answer (Jenkins or Docker unreachable past the retries, a rejected configuration).

export interface DeployResult {
  status: 'deployed' | 'failed' | 'errored';
  message: string;
  output?: string;
  jenkinsResult?: string | null;
}

export interface DeployContext {
  values: TemplateValues;
  heartbeatMs: number;
  /** Called once the Jenkins build is known, so the projection can link to it. */
  onJenkinsBuild(build: { buildNumber: number; buildUrl: string; consoleUrl: string }): Promise<void>;
  /** Number of Jenkins notices received for this environment so far. */
  notices(): number;
}

const nonRetryableErrorTypes = [ErrorType.BadConfig, ErrorType.JenkinsRejected, ErrorType.JenkinsQueueCancelled, ErrorType.DockerRejected, ErrorType.Timeout];

function errored(err: unknown): DeployResult {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
  return { status: 'errored', message };
}

export async function runJenkins(deployer: JenkinsDeployer, ctx: DeployContext): Promise<DeployResult> {
  const jenkins = proxyActivities<JenkinsActivities>({
    startToCloseTimeout: '6h', heartbeatTimeout: ctx.heartbeatMs,
    retry: { maximumInterval: '30s', maximumAttempts: 30, nonRetryableErrorTypes },
  });
  const ref = { server: deployer.server, job: deployer.job };
  try {
    const triggered = await jenkins.jenkinsTrigger({
      ...ref, parameters: jenkinsParameters(deployer.parameters, ctx.values),
      correlation: { name: deployer.correlationParameter, value: `${ctx.values.deploymentId}@${ctx.values.environment}` },
    });
    await ctx.onJenkinsBuild(triggered);
    const status = await awaitBuild(jenkins, { ...ref, buildNumber: triggered.buildNumber }, ctx);
    const message = `Jenkins build #${status.buildNumber} finished ${status.result}`;
    return { status: status.result === 'SUCCESS' ? 'deployed' : 'failed', message, jenkinsResult: status.result };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return errored(err);
  }
}

/**
 * Polls the build (the backstop) while listening for the Notification plugin: a notice cancels
 * the current poll and looks at the build at once.
 */
async function awaitBuild(jenkins: JenkinsActivities, ref: { server: string; job: string; buildNumber: number }, ctx: DeployContext): Promise<JenkinsBuildStatus> {
  for (;;) {
    const seen = ctx.notices();
    const scope = new CancellationScope();
    const poll = scope.run(() => jenkins.jenkinsAwaitBuild(ref));
    const noticed = condition(() => ctx.notices() > seen).then(() => null);
    const first = await Promise.race([poll, noticed]);
    if (first) return first;
    scope.cancel();
    await poll.catch((err) => { if (!isCancellation(err)) throw err; });
    const now = await jenkins.jenkinsBuildStatus(ref);
    if (!now.building && now.result) return now;
  }
}

export async function runDocker(deployer: DockerDeployer, ctx: DeployContext): Promise<DeployResult> {
  const timeoutMs = parseDuration(deployer.timeout)!;
  const docker = proxyActivities<DockerActivities>({
    startToCloseTimeout: timeoutMs + 60_000, heartbeatTimeout: ctx.heartbeatMs,
    retry: { maximumInterval: '30s', maximumAttempts: 30, nonRetryableErrorTypes },
  });
  const { values } = ctx;
  try {
    const result = await docker.dockerRunContainer({
      key: `${values.deploymentId}-${values.environment}`,
      image: deployer.image, command: deployer.command, timeoutMs,
      env: { MODULE: values.service, VERSION: values.version, ENVIRONMENT: values.environment, SLIPWAY_DEPLOYMENT: values.deploymentId },
      labels: { 'slipway.deployment': values.deploymentId, 'slipway.environment': values.environment },
    });
    const message = `deploy container exited with ${result.exitCode}`;
    return result.exitCode === 0 ? { status: 'deployed', message, output: result.output } : { status: 'failed', message, output: result.output };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return errored(err);
  }
}
