import type { OctopushStatus } from '../../domain/statuses.js';
import type { ApiDeps } from '../deps.js';
import { transitionsOf, type DeploymentRow } from '../../db/deployments.js';
import { queueOf } from '../../db/environment-queues.js';

// The native JSON of a deployment: its state, per-environment status, what it waits on (made
// concrete: lock holders and queue position, the activity retry in progress), its transitions and links.

export function temporalLink(deps: ApiDeps, workflowId: string): string | null {
  return deps.temporalUiUrl
    ? `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`
    : null;
}

export function deploymentSummary(deps: ApiDeps, row: DeploymentRow) {
  return {
    id: row.id,
    number: row.number,
    service: row.service,
    version: row.version,
    requestor: row.requestor,
    state: row.status as OctopushStatus,
    phase: row.phase,
    outcome: row.outcome ?? null,
    environment: row.environment,
    environments: row.environments,
    waitingOn: row.waitingOn ?? null,
    approvals: row.approvals,
    testJobUrl: row.testJobUrl,
    rollbackOf: row.rollbackOf,
    /** The configuration version the deployment was requested under (GET /v1/config shows the current one). */
    configVersion: row.configVersion ?? null,
    refusedSignals: row.refusedSignals,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    links: {
      self: `/v1/deployments/${encodeURIComponent(row.id)}`,
      temporal: temporalLink(deps, row.id),
      jenkins: row.environments.flatMap((e) =>
        e.jenkins ? [{ environment: e.environment, build: e.jenkins.buildUrl, console: e.jenkins.consoleUrl }] : [],
      ),
    },
  };
}

async function waitingDetail(deps: ApiDeps, row: DeploymentRow): Promise<Record<string, unknown> | null> {
  const waiting = row.waitingOn;
  if (!waiting) return null;
  if (waiting.kind === 'lock') {
    const queue = await queueOf(deps.db, waiting.environment);
    const waiters = (queue?.waiters ?? []) as Array<{ workflowId: string; order: number }>;
    const sorted = [...waiters].sort((a, b) => a.order - b.order);
    const position = sorted.findIndex((w) => w.workflowId === row.id);
    return {
      ...waiting,
      paused: queue?.paused ?? false,
      position: position >= 0 ? position + 1 : null,
      holders: (queue?.holders ?? []) as unknown[],
    };
  }
  if (waiting.kind === 'deployer') {
    try {
      const description = await deps.temporal.workflow.getHandle(row.id).describe();
      const retrying = description.raw.pendingActivities?.filter((a) => (a.attempt ?? 1) > 1) ?? [];
      if (retrying.length > 0) {
        const a = retrying[0]!;
        return {
          ...waiting,
          retry: { activity: a.activityType?.name, attempt: a.attempt, lastFailure: a.lastFailure?.message ?? null },
        };
      }
    } catch {
      // The projection alone still answers; Temporal's detail is a bonus.
    }
  }
  return waiting;
}

export async function deploymentDetail(deps: ApiDeps, row: DeploymentRow) {
  const [transitions, waitingOn] = await Promise.all([transitionsOf(deps.db, row.id), waitingDetail(deps, row)]);
  return {
    ...deploymentSummary(deps, row),
    waitingOn,
    transitions: transitions.map((t) => ({
      from: t.fromStatus,
      to: t.toStatus,
      phase: t.phase,
      actor: t.actor,
      reason: t.reason,
      at: t.at.toISOString(),
    })),
  };
}
