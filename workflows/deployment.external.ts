import { condition } from '@temporalio/workflow';
import type { ExternalDeployer } from '../domain/config.js';
import { envStatus, touch } from '../domain/deployment-state.js';
import { parseDuration } from '../domain/duration.js';
import {
  applyDeploymentReport,
  applyVerification,
  checkDeploymentReport,
  checkVerification,
} from '../domain/external-deploy.js';
import type { DeployResult } from './deployment.deployers.js';
import { handleFact } from './deployment.facts.js';
import { reportDeploymentUpdate, reportVerificationUpdate } from './deployment.messages.js';
import { now, type DeploymentRun } from './deployment.run.js';

// Deployers Slipway does not run: the deploy is what an outside system reports through the
// reportDeployment Update (PATCH /api/deployments/:id, POST /v1/deployments/:id/environments/:env/status).
// The wait is a durable condition with the deployer's timeout: no polling.

export async function runExternal(
  deployer: ExternalDeployer,
  run: DeploymentRun,
  environment: string,
): Promise<DeployResult> {
  const { state } = run;
  const env = envStatus(state, environment);
  env.external = { status: 'CREATED', at: now() };
  state.waitingOn = { kind: 'deployer', environment, detail: 'waiting for the outside deployer to report' };
  touch(state);
  await run.record();
  const settled = () => env.external?.status === 'COMPLETED' || env.external?.status === 'FAILED';
  if (!(await condition(settled, parseDuration(deployer.timeout)!)))
    return { status: 'errored', message: `the outside deployer reported no result within ${deployer.timeout}` };
  const by = env.external!.by ?? 'outside deployer';
  const said = env.external!.message ? `: ${env.external!.message}` : '';
  return env.external!.status === 'COMPLETED'
    ? { status: 'deployed', message: `${by} reported COMPLETED${said}` }
    : { status: 'failed', message: `${by} reported FAILED${said}` };
}

/** Reports from outside systems; each is projected before its caller hears back. */
export function handleOutsideReports(run: DeploymentRun): void {
  const { state } = run;
  handleFact(
    run,
    reportDeploymentUpdate,
    (report) => checkDeploymentReport(state, report),
    (report, at) => applyDeploymentReport(state, report, at),
  );
  handleFact(
    run,
    reportVerificationUpdate,
    (report) => checkVerification(state, report),
    (report, at) => applyVerification(state, report, at),
  );
}
