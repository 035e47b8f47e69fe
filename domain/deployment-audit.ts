import type { DeploymentState } from './deployment-state.js';
import type { GateResult } from './promotions.js';

// The audit entries a deployment's state implies: approvals, gate decisions, cancels, rollbacks.
// Derived from the snapshot (whoever sent the message: the API, the UI, a Temporal signal), each with a
// stable key, so the projection can append them in its transaction and a retry appends none twice.

export interface AuditEntry {
  key: string;
  actor: string;
  action: string;
  subject: string;
  reason?: string;
  before?: unknown;
  after?: unknown;
  at: string;
}

function gateEntries(state: DeploymentState, environment: string, gates: GateResult[]): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const visit = (gate: GateResult) => {
    for (const e of gate.evidence) {
      if (e.kind !== 'approval' && e.kind !== 'rejection') continue;
      entries.push({
        key: `deployment:${state.id}:gate:${environment}:${gate.name}:${e.kind}:${e.by}`,
        actor: e.by,
        action: e.kind === 'approval' ? 'gate.approve' : 'gate.reject',
        subject: state.id,
        reason: e.reason,
        after: { service: state.service, version: state.version, environment, gate: gate.name, via: e.via },
        at: e.at,
      });
    }
    gate.parts?.forEach(visit);
  };
  gates.forEach(visit);
  return entries;
}

export function auditEntriesOf(state: DeploymentState): AuditEntry[] {
  const subject = state.id;
  const entries: AuditEntry[] = state.approvals.map((a, i) => ({
    key: `deployment:${state.id}:approve:${a.by}`,
    actor: a.by,
    action: 'deployment.approve',
    subject,
    before: { approvals: i },
    after: { approvals: i + 1, service: state.service, version: state.version },
    at: a.at,
  }));
  for (const env of state.environments) {
    const gates = (env as { gates?: GateResult[] }).gates;
    if (gates) entries.push(...gateEntries(state, env.environment, gates));
  }
  if (state.rollbackOf)
    entries.push({
      key: `deployment:${state.id}:rollback`,
      actor: state.requestor,
      action: 'deployment.rollback',
      subject,
      reason: `roll back to ${state.version}`,
      before: { deployment: state.rollbackOf },
      after: { service: state.service, version: state.version },
      at: state.transitions[0]?.at ?? new Date(0).toISOString(),
    });
  const last = state.transitions.at(-1);
  if (state.outcome?.status === 'cancelled' && last)
    entries.push({
      key: `deployment:${state.id}:cancel`,
      actor: last.actor,
      action: 'deployment.cancel',
      subject,
      reason: state.outcome.message,
      before: { status: last.from },
      after: { status: last.to },
      at: last.at,
    });
  return entries;
}
