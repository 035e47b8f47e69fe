import { heldCancelScopes, mayPutLive } from '../../api/deployments/rights.js';
import { can, type Principal } from '../../api/middleware/auth.js';
import { rowState, type DeploymentRow } from '../../db/deployments.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { checkApproval, checkCancel, type Check } from '../../domain/deployment-rules.js';
import { servicePlan } from '../../domain/service-plan.js';

// Which buttons a deployment page offers to this viewer: the API's own rules asked in advance (the
// route's scope checks, the Update validators' checks on the stored state). A button shown can still
// be refused (the workflow may have moved on since the page was drawn); the page then says why.

export interface AllowedActions {
  goLive: boolean;
  cancel: boolean;
  rollback: boolean;
}

/** Accepted and would change something (a repeat is acknowledged by the API, but needs no button). */
const wouldAct = (check: Check) => check.ok && !check.duplicate;

export function allowedActions(principal: Principal, config: SlipwayConfig, row: DeploymentRow): AllowedActions {
  const state = rowState(row);
  const plan = servicePlan(config, row.service);
  const approver = can(principal, 'deploy:approve', row.service);
  const cancelScopes = heldCancelScopes(principal, row.service);
  return {
    goLive: approver && plan !== null && wouldAct(checkApproval(state, plan, { actor: principal.name })),
    cancel: cancelScopes.length > 0 && wouldAct(checkCancel(state, { octopushRules: false, scopes: cancelScopes })),
    rollback: approver && plan !== null && row.status === 'GO_LIVE_DONE' && mayPutLive(principal, config, plan),
  };
}
