import { cancellable, cancelScope, statusAfterCancel, type CancelScopes } from './cancel-policy.js';
import { scopeWording, type Scope } from './scopes.js';
import { envStatus, finish, transition, type DeploymentState } from './deployment-state.js';
import { liveEnvironment, type ServicePlan } from './service-plan.js';

// What a deployment accepts from outside (test results, Go Live, cancel) and what each does to it.
// check* answers before anything changes (the Update validators); apply* makes the change.

/** A refusal with `needs` is the caller's want of a scope (403), any other a state that refuses (409). */
export type Check = { ok: true; duplicate: boolean } | { ok: false; reason: string; needs?: Scope };
const refuse = (reason: string): Check => ({ ok: false, reason });
const accept: Check = { ok: true, duplicate: false };
const duplicate: Check = { ok: true, duplicate: true };

function versionMismatch(state: DeploymentState, version: string | undefined): Check | null {
  return version !== undefined && version !== state.version
    ? refuse(`this deployment is of ${state.service} ${state.version}, not version ${version}`)
    : null;
}

/** The last environment that has a test result or waits for one. */
function testedEnvironment(state: DeploymentState) {
  return [...state.environments].reverse().find((e) => e.tests) ?? null;
}

export function checkTestReport(state: DeploymentState, report: { passed: boolean; version?: string }): Check {
  const mismatch = versionMismatch(state, report.version);
  if (mismatch) return mismatch;
  // After a pass, the phase stays awaiting-tests until the workflow moves on: only an environment
  // without a result is still open.
  if (state.phase === 'awaiting-tests' && !envStatus(state, state.environment).tests) return accept;
  const tested = testedEnvironment(state);
  if (tested?.tests && !tested.tests.expired) {
    return tested.tests.passed === report.passed
      ? duplicate
      : refuse(`tests were already reported as ${tested.tests.passed ? 'passed' : 'failed'}; a result cannot change`);
  }
  return refuse(`not waiting for test results (status ${state.status})`);
}

export function applyTestReport(
  state: DeploymentState,
  plan: ServicePlan,
  report: { passed: boolean; actor: string },
  now: string,
): void {
  const env = envStatus(state, state.environment);
  env.tests = { passed: report.passed, at: now, by: report.actor };
  if (!report.passed) {
    finish(
      state,
      'TESTS_FAILED',
      { status: 'failed', message: `tests failed in ${env.environment}` },
      report.actor,
      now,
    );
    return;
  }
  transition(state, 'TESTS_PASSED', 'awaiting-tests', report.actor, `tests passed in ${env.environment}`, now);
  const index = plan.environments.findIndex((e) => e.environment === env.environment);
  if (plan.endsLive && index === plan.environments.length - 2) enterApprovalWait(state, plan, now);
  else state.waitingOn = null;
}

export function enterApprovalWait(state: DeploymentState, plan: ServicePlan, now: string): void {
  const live = liveEnvironment(plan);
  state.phase = 'awaiting-approval';
  state.waitingOn = {
    kind: 'approval',
    environment: live,
    approvalsNeeded: plan.approvalsRequired - state.approvals.length,
    approvers: plan.approvers,
    dueAt: new Date(Date.parse(now) + plan.approvalExpireMs).toISOString(),
  };
  state.seq += 1;
}

export function checkApproval(
  state: DeploymentState,
  plan: ServicePlan,
  approval: { actor: string; version?: string },
): Check {
  const mismatch = versionMismatch(state, approval.version);
  if (mismatch) return mismatch;
  if (state.approvals.some((a) => a.by === approval.actor)) return duplicate;
  if (state.phase !== 'awaiting-approval') return refuse(`not waiting for Go Live (status ${state.status})`);
  if (plan.approvers.length > 0 && !plan.approvers.includes(approval.actor)) {
    return refuse(`${approval.actor} is not an approver of ${state.service} (approvers: ${plan.approvers.join(', ')})`);
  }
  return accept;
}

/** Records an approval; with enough of them the deployment is queued for live. True when queued. */
export function applyApproval(
  state: DeploymentState,
  plan: ServicePlan,
  approval: { actor: string },
  now: string,
): boolean {
  state.approvals.push({ by: approval.actor, at: now });
  const needed = plan.approvalsRequired - state.approvals.length;
  if (needed > 0) {
    if (state.waitingOn?.kind === 'approval') state.waitingOn.approvalsNeeded = needed;
    state.seq += 1;
    return false;
  }
  const live = liveEnvironment(plan);
  state.environment = live;
  state.waitingOn = { kind: 'lock', environment: live, since: now };
  transition(state, 'QUEUED_FOR_LIVE', 'queued', approval.actor, 'Go Live', now);
  return true;
}

/**
 * `scopes`: the cancel scopes the caller holds for this service. Absent (a cancel sent before they
 * were carried, replayed from an old history) means allowed, as the API then checked them itself.
 */
export function checkCancel(state: DeploymentState, req: { octopushRules: boolean; scopes?: CancelScopes }): Check {
  const needed = cancelScope(state.status);
  if (req.scopes && !req.scopes.includes(needed)) {
    return {
      ok: false,
      needs: needed,
      reason: `this token lacks the scope ${scopeWording(needed, state.service)}, which cancelling a deployment in status ${state.status} needs`,
    };
  }
  if (state.outcome?.status === 'cancelled') return duplicate;
  if (!cancellable(state, req.octopushRules)) {
    return refuse(
      state.phase === 'deploying'
        ? `Unable to cancel a job on status: ${state.status} (a deployer is running; wait for its result)`
        : `Unable to cancel a job on status: ${state.status}`,
    );
  }
  return accept;
}

export function applyCancel(state: DeploymentState, req: { actor: string; reason?: string }, now: string): void {
  const env = envStatus(state, state.environment);
  if (env.state === 'queued' || env.state === 'pending') env.state = 'cancelled';
  const message = `cancelled by ${req.actor}${req.reason ? `: ${req.reason}` : ''}`;
  finish(state, statusAfterCancel[state.status]!, { status: 'cancelled', message }, req.actor, now);
}
