import { cancellable, cancelScope } from '../../domain/cancel-policy.js';
import type { OctopushStatus, Phase } from '../../domain/statuses.js';
import type { Principal } from '../middleware/auth.js';
import { can } from '../middleware/auth.js';
import type { DeploymentRow } from '../../db/deployments.js';

// Octopush's job JSON, built from a deployment row. Key order is part of the contract.

export function octopushJob(row: DeploymentRow, principal: Principal, liveEnvironment: string) {
  const pre = row.environments.find((e) => e.environment !== liveEnvironment && e.jenkins);
  const live = row.environments.find((e) => e.environment === liveEnvironment);
  const status = row.status as OctopushStatus;
  const mayApprove = can(principal, 'deploy:approve', row.service);
  return {
    job_id: row.number,
    module: row.service,
    version: row.version,
    status,
    environment: row.environment,
    requestor: row.requestor,
    queue_date: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    deployment_job_id: pre?.jenkins?.buildNumber ?? null,
    live_job_id: live?.jenkins?.buildNumber ?? null,
    test_job_url: row.testJobUrl,
    _buildJobUrl: /^https?:\/\//.test(row.requestor) ? row.requestor : null,
    _deployJobUrl: pre?.jenkins?.buildUrl ?? null,
    _deployLiveJobUrl: live?.jenkins?.buildUrl ?? null,
    _canGoLive: mayApprove && row.phase === 'awaiting-approval',
    _canRollback: mayApprove && status === 'GO_LIVE_DONE',
    _canCancel:
      cancellable({ phase: row.phase as Phase, status }, true) && can(principal, cancelScope(status), row.service),
  };
}

/** Octopush's listing buckets by environment name (staging = pre-prod, prod = live). */
export const octopushBuckets = {
  staging: {
    queued: ['QUEUED'],
    inprogress: ['DEPLOYING', 'PENDING_TESTS'],
    deployed: ['TESTS_PASSED', 'TESTS_FAILED', 'DEPLOY_FAILED'],
  },
  prod: { queued: ['QUEUED_FOR_LIVE'], inprogress: ['GOING_LIVE'], deployed: ['GO_LIVE_DONE', 'GO_LIVE_FAILED'] },
} as const;
