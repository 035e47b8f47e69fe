import type { Context } from 'hono';
import type { DeploymentRow } from '../../db/deployments.js';
import { cancelScope, type CancelScopes } from '../../domain/cancel-policy.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { approverRefusal } from '../../domain/live-rights.js';
import type { ServicePlan } from '../../domain/service-plan.js';
import type { OctopushStatus } from '../../domain/statuses.js';
import { ApiError } from '../errors.js';
import { can, requireScope, type AuthEnv, type Principal } from '../middleware/auth.js';

// The scope checks of deployment routes that depend on more than one scope (v1 and Octopush alike).

/**
 * Putting a service live without a Go Live (a direct-to-live request, a rollback) takes an
 * approver's rights for it, unless `auth.directToLive: requesters` keeps Octopush's older rule.
 */
export function requireLiveRights<E extends AuthEnv>(c: Context<E>, config: SlipwayConfig, plan: ServicePlan): void {
  if (config.auth.directToLive === 'requesters') return;
  const principal = requireScope(c, 'deploy:approve', plan.service);
  const refusal = approverRefusal(plan, principal.name);
  if (refusal) throw new ApiError(403, 'forbidden', refusal);
}

/** Whether requireLiveRights lets `principal` through: for pages that show a button only to those it would. */
export function mayPutLive(principal: Principal, config: SlipwayConfig, plan: ServicePlan): boolean {
  if (config.auth.directToLive === 'requesters') return true;
  return can(principal, 'deploy:approve', plan.service) && approverRefusal(plan, principal.name) === null;
}

/** The cancel scopes `principal` holds for a service, which the cancel Update's validator judges by. */
export function heldCancelScopes(principal: Principal, service: string): CancelScopes {
  return (['deploy:request', 'deploy:approve'] as const).filter((s) => can(principal, s, service));
}

/**
 * The cancel scopes the caller holds for the deployment's service, for the cancel Update: the
 * workflow decides which one its state needs. A caller with neither is refused here, in the words
 * of the scope the row's status suggests (the refusal is certain either way).
 */
export function cancelRights<E extends AuthEnv>(
  c: Context<E>,
  row: DeploymentRow,
): { principal: Principal; scopes: CancelScopes } {
  const principal: Principal = c.get('principal');
  const scopes = heldCancelScopes(principal, row.service);
  if (scopes.length === 0) requireScope(c, cancelScope(row.status as OctopushStatus), row.service);
  return { principal, scopes };
}
