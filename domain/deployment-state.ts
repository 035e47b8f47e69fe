import { statusRank, type OctopushStatus, type Outcome, type Phase } from './statuses.js';
import type { ServicePlan } from './service-plan.js';

// The state a deployment workflow keeps and projects to Postgres. Pure data and pure changes:
// the workflow applies them, replays them, and ships snapshots to the store activity.

export type WaitingOn =
  | { kind: 'lock'; environment: string; since: string }
  | { kind: 'deployer'; environment: string; detail: string; url?: string }
  | { kind: 'tests'; environment: string; dueAt: string; onExpiry: 'fail' | 'release-lock' }
  | { kind: 'approval'; environment: string; approvalsNeeded: number; approvers: string[]; dueAt: string };

export interface EnvironmentStatus {
  environment: string;
  state: 'pending' | 'queued' | 'deploying' | 'deployed' | 'failed' | 'errored' | 'cancelled' | 'skipped';
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  jenkins?: { buildNumber: number; buildUrl: string; consoleUrl: string; result?: string | null };
  /** The Slipway build that ran this environment's deploy job. */
  build?: { id: string; job: string; number: number; status?: string };
  output?: string;
  tests?: { passed: boolean; at: string; by: string; expired?: boolean };
  message?: string;
}

export interface Transition {
  seq: number;
  from: OctopushStatus | null;
  to: OctopushStatus;
  phase: Phase;
  actor: string;
  reason: string;
  at: string;
}

export interface DeploymentState {
  id: string;
  number: number;
  service: string;
  version: string;
  requestor: string;
  status: OctopushStatus;
  phase: Phase;
  outcome: Outcome | null;
  environment: string;
  environments: EnvironmentStatus[];
  waitingOn: WaitingOn | null;
  approvals: Array<{ by: string; at: string }>;
  testJobUrl: string | null;
  rollbackOf: string | null;
  transitions: Transition[];
  /** Bumped on every change; the store ignores snapshots older than what it has. */
  seq: number;
}

export interface DeploymentInput {
  id: string;
  number: number;
  version: string;
  requestor: string;
  plan: ServicePlan;
  /** Rollbacks and direct-to-live start at the last environment, already approved. */
  startAtLast: boolean;
  rollbackOf: string | null;
  /** Why it was requested, in the requester's words (a rollback's reason); kept in its first transition. */
  reason?: string;
  /** Heartbeat timeout of deployer activities: how soon a dead worker's deploy is retried elsewhere. */
  heartbeatMs?: number;
  /** Temporal continues-as-new with the state so far. */
  resume?: DeploymentState;
}

export function initialState(input: DeploymentInput, now: string): DeploymentState {
  const last = input.plan.environments.length - 1;
  const first = input.startAtLast ? last : 0;
  // A single-environment pipeline (direct-to-live) or a rollback starts where Octopush puts it: queued for live.
  const status: OctopushStatus = first === last && input.plan.endsLive ? 'QUEUED_FOR_LIVE' : 'QUEUED';
  return {
    id: input.id,
    number: input.number,
    service: input.plan.service,
    version: input.version,
    requestor: input.requestor,
    status,
    phase: 'queued',
    outcome: null,
    environment: input.plan.environments[first]!.environment,
    environments: input.plan.environments.map((e, i) => ({
      environment: e.environment,
      state: i < first ? 'skipped' : 'pending',
    })),
    waitingOn: null,
    approvals: [],
    testJobUrl: null,
    rollbackOf: input.rollbackOf,
    transitions: [
      {
        seq: 1,
        from: null,
        to: status,
        phase: 'queued',
        actor: input.requestor || 'api',
        reason: requestReason(input),
        at: now,
      },
    ],
    seq: 1,
  };
}

function requestReason(input: DeploymentInput): string {
  const what = input.rollbackOf ? `rollback of ${input.rollbackOf}` : 'requested';
  return input.reason ? `${what}: ${input.reason}` : what;
}

/** Moves the Octopush status forward (never back) and records who did it and why. */
export function transition(
  state: DeploymentState,
  to: OctopushStatus,
  phase: Phase,
  actor: string,
  reason: string,
  now: string,
): void {
  const from = state.status;
  if (statusRank(to) < statusRank(from)) to = from;
  state.seq += 1;
  // Same status, same phase: nothing to tell in the audit trail (the snapshot still updates).
  if (to === from && phase === state.phase) return;
  state.status = to;
  state.phase = phase;
  state.transitions.push({ seq: state.seq, from, to, phase, actor, reason, at: now });
}

export function touch(state: DeploymentState): void {
  state.seq += 1;
}

export function envStatus(state: DeploymentState, environment: string): EnvironmentStatus {
  const found = state.environments.find((e) => e.environment === environment);
  if (!found) throw new Error(`deployment ${state.id} has no environment ${environment}`);
  return found;
}

export function finish(state: DeploymentState, to: OctopushStatus, outcome: Outcome, actor: string, now: string): void {
  state.outcome = outcome;
  state.waitingOn = null;
  transition(state, to, 'finished', actor, outcome.message, now);
}

/** Status names per position in the pipeline: pre-live environments map to pre-prod statuses. */
export function statusFor(isLast: boolean, what: 'queued' | 'deploying' | 'deploy-failed'): OctopushStatus {
  if (isLast) return what === 'queued' ? 'QUEUED_FOR_LIVE' : what === 'deploying' ? 'GOING_LIVE' : 'GO_LIVE_FAILED';
  return what === 'queued' ? 'QUEUED' : what === 'deploying' ? 'DEPLOYING' : 'DEPLOY_FAILED';
}
