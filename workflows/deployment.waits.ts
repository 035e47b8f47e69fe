import { condition } from '@temporalio/workflow';
import { enterApprovalWait } from '../domain/deployment-rules.js';
import { envStatus, finish, touch, transition } from '../domain/deployment-state.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { release } from './deployment.lock.js';
import { now, type DeploymentRun } from './deployment.run.js';

// The deployment's waits for people: a test result after a test environment's deploy, and Go
// Live before the last. Each ends on a fact (a result, enough approvals, a cancel) or its expiry.

export async function awaitTests(run: DeploymentRun, step: EnvironmentStep): Promise<void> {
  const { state, plan, finished } = run;
  const env = envStatus(state, step.environment);
  const dueAt = new Date(Date.now() + plan.testsExpireMs).toISOString();
  state.waitingOn = { kind: 'tests', environment: step.environment, dueAt, onExpiry: plan.testsOnExpiry };
  transition(
    state,
    'PENDING_TESTS',
    'awaiting-tests',
    'slipway',
    `deployed to ${step.environment}: ${env.message}`,
    now(),
  );
  await run.record();
  if (plan.lockPolicy === 'release-after-deploy') await release(run, step.environment);
  const reported = () => env.tests !== undefined || finished();
  if (await condition(reported, plan.testsExpireMs)) return;
  if (plan.testsOnExpiry === 'fail') {
    env.tests = { passed: false, at: now(), by: 'slipway', expired: true };
    finish(
      state,
      'TESTS_FAILED',
      { status: 'expired', message: `no test result within ${plan.testsExpireMs / 1000}s` },
      'slipway',
      now(),
    );
    await run.record();
    return;
  }
  await release(run, step.environment);
  // A result (or a cancel) that came during the release stands; the wait is over.
  if (run.fromFacts && reported()) return;
  state.waitingOn = { kind: 'tests', environment: step.environment, dueAt: '', onExpiry: 'release-lock' };
  touch(state);
  await run.record();
  await condition(reported);
}

export async function awaitApproval(run: DeploymentRun): Promise<void> {
  const { state, plan, fromFacts, finished, goLiveGiven } = run;
  // With fromFacts: the Go Live may have come while the loop was still releasing the pre-prod lock.
  if (fromFacts && (finished() || goLiveGiven())) return;
  if (state.phase !== 'awaiting-approval') {
    enterApprovalWait(state, plan, now());
    await run.record();
  }
  const given = fromFacts ? () => goLiveGiven() || finished() : () => state.phase !== 'awaiting-approval';
  const approved = await condition(given, plan.approvalExpireMs);
  if (approved || finished()) return;
  finish(
    state,
    state.status,
    { status: 'expired', message: `Go Live not given within ${plan.approvalExpireMs / 1000}s` },
    'slipway',
    now(),
  );
  await run.record();
}
