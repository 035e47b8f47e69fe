import { artifactModule, artifactOfDeployment, type ArtifactRow } from '../../db/artifacts.js';
import type { DeploymentRow } from '../../db/deployments.js';
import type { Db } from '../../db/client.js';
import { parseModule } from '../../domain/artifacts.js';
import type { EnvironmentStatus } from '../../domain/deployment-state.js';
import { deploydbStatus } from '../../domain/external-deploy.js';

// DeployDB's JSON shapes, built from Slipway's records. A DeployDB deployment is one environment of
// a Slipway deployment: /api/deployments/<number> shows the environment it is at now, and a flow
// (/api/flows/<number>) shows every environment the deployment reached.

export function artifactView(row: ArtifactRow) {
  const module = parseModule(artifactModule(row)) ?? { group: '', name: artifactModule(row) };
  return {
    id: row.id,
    group: module.group,
    name: module.name,
    version: row.version,
    sourceUrl: row.sourceUrl,
    createdAt: row.createdAt.toISOString(),
  };
}

/** DeployDB's promotion results of one environment: the test result, verification and gate reports. */
function promotionsOf(env: EnvironmentStatus) {
  const results: Array<{ promotion: string; status: string; infoUrl: string | null; createdAt: string }> = [];
  if (env.tests)
    results.push({
      promotion: 'tests',
      status: env.tests.passed ? 'SUCCESS' : 'FAILED',
      infoUrl: null,
      createdAt: env.tests.at,
    });
  if (env.verification)
    results.push({
      promotion: 'verification',
      status: env.verification.passed ? 'SUCCESS' : 'FAILED',
      infoUrl: env.verification.infoUrl ?? null,
      createdAt: env.verification.at,
    });
  return results.map((r, i) => ({ id: i + 1, ...r }));
}

/** The artifact a deployment carries: the one that requested it (`artifact:<module>`), else its service's. */
async function artifactOf(db: Db, row: DeploymentRow) {
  const requestedBy = /^artifact:(.+)$/.exec(row.requestor)?.[1];
  const found = await artifactOfDeployment(db, row.service, row.version, requestedBy);
  if (found) return artifactView(found);
  // Requested by version only, with no artifact registered: DeployDB's shape, without an id.
  return { id: null, group: '', name: row.service, version: row.version, sourceUrl: null, createdAt: null };
}

function environmentEntry(row: DeploymentRow, env: EnvironmentStatus) {
  return {
    id: row.number,
    environment: env.environment,
    service: row.service,
    status: deploydbStatus(env),
    promotions: promotionsOf(env),
    createdAt: env.queuedAt ?? env.startedAt ?? row.createdAt.toISOString(),
  };
}

export async function deploymentView(db: Db, row: DeploymentRow) {
  const env = row.environments.find((e) => e.environment === row.environment) ?? row.environments[0]!;
  const { environment, service, status, promotions } = environmentEntry(row, env);
  return {
    id: row.number,
    artifact: await artifactOf(db, row),
    environment,
    service,
    status,
    promotions,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function flowView(db: Db, row: DeploymentRow) {
  return {
    id: row.number,
    artifact: await artifactOf(db, row),
    service: row.service,
    deployments: row.environments
      .filter((e) => e.state !== 'pending' && e.state !== 'skipped')
      .map((e) => environmentEntry(row, e)),
    createdAt: row.createdAt.toISOString(),
  };
}
