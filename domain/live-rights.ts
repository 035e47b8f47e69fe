import type { ServicePlan } from './service-plan.js';

// A deployment that goes straight to live passes no tests and no Go Live on its way: the request
// itself is the decision to go live, so the requester needs the rights of an approver
// (configuration `auth.directToLive`, README "Tokens and scopes").

/** A plan whose only environment is live: a direct-to-live service, or a pipeline of one. */
export function goesStraightToLive(plan: ServicePlan): boolean {
  return plan.endsLive && plan.environments.length === 1;
}

/** Why `actor` may not put this service live, when the service names its approvers and not them. */
export function approverRefusal(plan: ServicePlan, actor: string): string | null {
  return plan.approvers.length > 0 && !plan.approvers.includes(actor)
    ? `${actor} is not an approver of ${plan.service} (approvers: ${plan.approvers.join(', ')})`
    : null;
}
