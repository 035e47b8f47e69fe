import { rowState, supersedingDeployment, type DeploymentRow } from '../../db/deployments.js';
import type { Db } from '../../db/client.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { checkGateDecision } from '../../domain/gate-rules.js';
import { servicePlan } from '../../domain/service-plan.js';
import type { GateDecisionMessage } from '../../workflows/deployment.messages.js';
import { conflict } from '../errors.js';
import { can, type Principal } from '../middleware/auth.js';

// A manual gate's decision as both the /v1 gate routes and the dashboard's buttons make it: the
// message the workflow's validator judges, the check only the database can make (a superseded
// deployment takes no decisions), and the same rules asked in advance for whether to show a button.

export interface GateTarget {
  environment: string;
  gate: string;
}

/** The decision message for the workflow, as `principal` (its teams match "team:<org>/<slug>" approvers). */
export function gateDecision(
  principal: Principal,
  row: DeploymentRow,
  target: GateTarget,
  input: { version?: string; reason?: string },
  via: 'api' | 'ui',
): GateDecisionMessage & { via: 'api' | 'ui' } {
  return {
    environment: target.environment,
    gate: target.gate,
    version: input.version ?? row.version,
    actor: principal.name,
    teams: principal.teams ?? [],
    ...(input.reason ? { reason: input.reason } : {}),
    via,
  };
}

/** 409 when a newer request of the service superseded this deployment. */
export async function refuseSuperseded(db: Db, row: DeploymentRow): Promise<void> {
  const newer = await supersedingDeployment(db, row);
  if (newer)
    throw conflict(`deployment #${row.number} was superseded by #${newer.number} (${row.service} ${newer.version})`, {
      supersededBy: newer.id,
    });
}

/**
 * Whether `principal` may approve and may reject the gate now: the route's scope and the workflow
 * validator's rules on the stored state (approver list and teams, never the requester, gate still
 * open, a repeat needs no button). A rejection's reason is asked by the form, so it is assumed here.
 */
export function gateDecisionsAllowed(
  principal: Principal,
  config: SlipwayConfig,
  row: DeploymentRow,
  target: GateTarget,
): { approve: boolean; reject: boolean } {
  const plan = servicePlan(config, row.service);
  if (!plan || !can(principal, 'deploy:approve', row.service)) return { approve: false, reject: false };
  const state = rowState(row);
  const would = (kind: 'approve' | 'reject') => {
    const d = gateDecision(
      principal,
      row,
      target,
      { reason: kind === 'reject' ? 'asked by the form' : undefined },
      'ui',
    );
    const check = checkGateDecision(state, plan, d, kind);
    return check.ok && !check.duplicate;
  };
  return { approve: would('approve'), reject: would('reject') };
}
