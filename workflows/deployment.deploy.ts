import { envStatus, statusFor, touch, transition } from '../domain/deployment-state.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { runDocker, runJob, type DeployResult } from './deployment.deployers.js';
import { runJenkins } from './deployment.jenkins-deployer.js';
import { now, type DeploymentRun } from './deployment.run.js';

/** Runs the step's deployer, linking the projection to its Jenkins build or Slipway build as soon as it is known. */
export async function deploy(run: DeploymentRun, step: EnvironmentStep, isLast: boolean): Promise<DeployResult> {
  const { input, plan, state, notices } = run;
  const env = envStatus(state, step.environment);
  env.state = 'deploying';
  env.startedAt = now();
  state.waitingOn = {
    kind: 'deployer',
    environment: step.environment,
    detail: `${step.deployer.type} deployer running`,
  };
  transition(state, statusFor(isLast, 'deploying'), 'deploying', 'slipway', `deploying to ${step.environment}`, now());
  await run.record();
  const ctx = {
    values: {
      service: plan.service,
      version: state.version,
      environment: step.environment,
      deploymentId: state.id,
      requestor: state.requestor,
    },
    heartbeatMs: input.heartbeatMs ?? 30_000,
    notices: () => notices.get(step.environment) ?? 0,
    onJenkinsBuild: async (build: { buildNumber: number; buildUrl: string; consoleUrl: string }) => {
      env.jenkins = {
        buildNumber: build.buildNumber,
        buildUrl: build.buildUrl,
        consoleUrl: build.consoleUrl,
        result: null,
      };
      state.waitingOn = {
        kind: 'deployer',
        environment: step.environment,
        detail: `Jenkins build #${build.buildNumber} running`,
        url: build.buildUrl,
      };
      touch(state);
      await run.record();
    },
    onBuild: async (build: { id: string; job: string; number: number }) => {
      env.build = build;
      state.waitingOn = {
        kind: 'deployer',
        environment: step.environment,
        detail: `build #${build.number} of ${build.job} running`,
        url: `/v1/builds/${build.id}`,
      };
      touch(state);
      await run.record();
    },
  };
  const deployer = step.deployer;
  const result =
    deployer.type === 'jenkins'
      ? await runJenkins(deployer, ctx)
      : deployer.type === 'job'
        ? await runJob(deployer, ctx)
        : deployer.type === 'docker'
          ? await runDocker(deployer, ctx)
          : { status: 'errored' as const, message: 'this worker cannot wait for an external deployer' };
  env.finishedAt = now();
  env.state = result.status;
  env.message = result.message;
  if (result.output !== undefined) env.output = result.output;
  if (env.jenkins && result.jenkinsResult !== undefined) env.jenkins.result = result.jenkinsResult;
  if (env.build && result.buildStatus) env.build.status = result.buildStatus;
  return result;
}
