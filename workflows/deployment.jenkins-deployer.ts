import { CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { JenkinsActivities, JenkinsBuildStatus } from '../activities/jenkins.js';
import type { JenkinsDeployer } from '../domain/config.js';
import { jenkinsParameters } from '../domain/service-plan.js';
import { errored, nonRetryableErrorTypes, type DeployContext, type DeployResult } from './deployment.deployers.js';
import { correlationId } from './deployment.messages.js';

// The Jenkins deployer: triggers the job with the deployment's parameters and correlation id,
// then waits for the build's result (deployment.deployers.ts defines the result and context).

export async function runJenkins(deployer: JenkinsDeployer, ctx: DeployContext): Promise<DeployResult> {
  const jenkins = proxyActivities<JenkinsActivities>({
    startToCloseTimeout: '6h',
    heartbeatTimeout: ctx.heartbeatMs,
    retry: { maximumInterval: '30s', maximumAttempts: 30, nonRetryableErrorTypes },
  });
  const ref = { server: deployer.server, job: deployer.job };
  try {
    const triggered = await jenkins.jenkinsTrigger({
      ...ref,
      parameters: jenkinsParameters(deployer.parameters, ctx.values),
      correlation: {
        name: deployer.correlationParameter,
        value: correlationId(ctx.values.deploymentId, ctx.values.environment),
      },
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
async function awaitBuild(
  jenkins: JenkinsActivities,
  ref: { server: string; job: string; buildNumber: number },
  ctx: DeployContext,
): Promise<JenkinsBuildStatus> {
  for (;;) {
    const seen = ctx.notices();
    const scope = new CancellationScope();
    const poll = scope.run(() => jenkins.jenkinsAwaitBuild(ref));
    const noticed = condition(() => ctx.notices() > seen).then(() => null);
    const first = await Promise.race([poll, noticed]);
    if (first) return first;
    scope.cancel();
    await poll.catch((err) => {
      if (!isCancellation(err)) throw err;
    });
    const now = await jenkins.jenkinsBuildStatus(ref);
    if (!now.building && now.result) return now;
  }
}
