// Route tests of outside reports (external deployers, verification): the fake Temporal answers the
// reportDeployment and reportVerification Updates as the workflow does, with the same domain rules
// (domain/external-deploy.ts) applied to the projection, so a GET after a PATCH shows the change.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { findDeployment, recordDeployment, rowState } from '../../db/deployments.js';
import { envStatus, touch, transition } from '../../domain/deployment-state.js';
import type { Check } from '../../domain/deployment-rules.js';
import {
  applyDeploymentReport,
  applyVerification,
  checkDeploymentReport,
  checkVerification,
  type DeploymentReport,
  type VerificationReport,
} from '../../domain/external-deploy.js';
import type { ApiHarness } from './api-harness.js';

function answered(check: Check): boolean {
  if (!check.ok) throw new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ message: check.reason }));
  return check.duplicate;
}

export function answerOutsideReports(api: ApiHarness): void {
  const db = api.database.db;
  const load = async (id: string) => rowState((await findDeployment(db, id))!);
  api.temporal.answerUpdate('reportDeployment', async (args, id) => {
    const state = await load(id);
    const report = args[0] as DeploymentReport;
    if (answered(checkDeploymentReport(state, report))) return { duplicate: true, state };
    applyDeploymentReport(state, report, new Date().toISOString());
    await recordDeployment(db, state);
    return { duplicate: false, state };
  });
  api.temporal.answerUpdate('reportVerification', async (args, id) => {
    const state = await load(id);
    const report = args[0] as VerificationReport;
    if (answered(checkVerification(state, report))) return { duplicate: true, state };
    applyVerification(state, report, new Date().toISOString());
    await recordDeployment(db, state);
    return { duplicate: false, state };
  });
}

/** Puts a requested deployment where the workflow puts it: deploying to its first environment, its outside deployer told. */
export async function awaitingOutsideDeployer(api: ApiHarness, id: string): Promise<void> {
  const state = rowState((await findDeployment(api.database.db, id))!);
  const env = envStatus(state, state.environment);
  env.state = 'deploying';
  env.startedAt = new Date().toISOString();
  env.external = { status: 'CREATED', at: env.startedAt };
  state.waitingOn = { kind: 'deployer', environment: env.environment, detail: 'waiting for the outside deployer' };
  transition(state, 'DEPLOYING', 'deploying', 'slipway', `deploying to ${env.environment}`, env.startedAt);
  touch(state);
  await recordDeployment(api.database.db, state);
}

/** The deploy finished as the workflow finishes it once COMPLETED is reported. */
export async function deployed(api: ApiHarness, id: string): Promise<void> {
  const state = rowState((await findDeployment(api.database.db, id))!);
  envStatus(state, state.environment).state = 'deployed';
  touch(state);
  await recordDeployment(api.database.db, state);
}
