// Deployment records as the workflow's store activity writes them (recordDeployment), with the
// request time set afterwards: for tests of what is computed from the records (delivery figures).
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { recordDeployment } from '../../db/deployments.js';
import { deployments } from '../../db/schema.js';
import type { DeploymentState, EnvironmentStatus } from '../../domain/deployment-state.js';
import type { OctopushStatus } from '../../domain/statuses.js';

export type EnvironmentRecord = Pick<EnvironmentStatus, 'environment' | 'state' | 'finishedAt' | 'tests'>;

let number = 0;

/** The status the workflow ends with for these environments (workflows/deployment.ts). */
function finalStatus(environments: EnvironmentRecord[]): OctopushStatus {
  const failed = environments.findIndex((e) => e.state === 'failed' || e.state === 'errored');
  if (failed >= 0) return failed === environments.length - 1 ? 'GO_LIVE_FAILED' : 'DEPLOY_FAILED';
  if (environments.some((e) => e.tests?.passed === false)) return 'TESTS_FAILED';
  return 'GO_LIVE_DONE';
}

export async function recordFinishedDeployment(
  db: Db,
  d: { id: string; service: string; requestedAt: string; environments: EnvironmentRecord[]; rollbackOf?: string },
): Promise<void> {
  const state: DeploymentState = {
    id: d.id,
    number: ++number,
    service: d.service,
    version: `v-${d.id}`,
    requestor: 'alice',
    status: finalStatus(d.environments),
    phase: 'finished',
    outcome: null,
    environment: d.environments.at(-1)!.environment,
    environments: d.environments,
    waitingOn: null,
    approvals: [],
    testJobUrl: null,
    rollbackOf: d.rollbackOf ?? null,
    transitions: [],
    seq: 5,
  };
  await recordDeployment(db, state);
  await db
    .update(deployments)
    .set({ createdAt: new Date(d.requestedAt) })
    .where(eq(deployments.id, d.id));
}
