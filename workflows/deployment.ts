import { allHandlersFinished, CancellationScope, condition, patched, proxyActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store.js';
import {
  finish,
  initialState,
  statusFor,
  type DeploymentInput,
  type DeploymentState,
} from '../domain/deployment-state.js';
import { deploy } from './deployment.deploy.js';
import { handleMessages } from './deployment.handlers.js';
import { acquire, release } from './deployment.lock.js';
import { now, type DeploymentRun } from './deployment.run.js';
import { awaitApproval, awaitTests } from './deployment.waits.js';
import { hasGates, promoteThroughGates } from './deployment.gates.js';
import { settleInterceptorFlags } from './sdk-flags.js';

const store = proxyActivities<StoreActivities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '10s' } });

/**
 * One service version through its pipeline: per environment, wait for the lock, deploy, and (before
 * the last) wait for the test result; before the last, wait for Go Live. Every change is projected
 * to Postgres by the store activity; Update handlers project before they answer, so what a caller
 * was told is what the next read shows. Locks held are released on every way out.
 */
export async function deployment(input: DeploymentInput): Promise<DeploymentState> {
  const { plan } = input;
  const state = input.resume ?? initialState(input, now());
  settleInterceptorFlags();
  // Message handlers change the state while the main loop awaits its own steps (a projection, a
  // lock release), so the loop must decide from facts (approvals given, results in, finished), never
  // from the phase it set before the await. Runs started before this patch keep the old decisions
  // (a Go Live applied during the pre-prod release was waited for again until it expired).
  const fromFacts = patched('deployment-decides-from-facts');
  const run: DeploymentRun = {
    input,
    plan,
    state,
    granted: new Set(),
    held: new Set(),
    notices: new Map(),
    fromFacts,
    record: () => store.recordDeployment(state),
    finished: () => state.phase === 'finished',
    goLiveGiven: () => state.approvals.length >= plan.approvalsRequired,
  };
  handleMessages(run);

  try {
    await runPipeline(run);
  } finally {
    // Whatever ended the run (a cancel, a failure, a workflow cancellation), no lock outlives it.
    await CancellationScope.nonCancellable(async () => {
      for (const environment of [...run.held]) await release(run, environment);
    });
  }
  // An Update that finished the deployment (a cancel, a failed test) answers its caller only
  // after its projection is written; the workflow must not close before that.
  await condition(allHandlersFinished);
  return state;
}

async function runPipeline(run: DeploymentRun): Promise<void> {
  const { input, plan, state, finished } = run;
  const last = plan.environments.length - 1;
  for (let i = input.startAtLast ? last : 0; i <= last && !finished(); i++) {
    const step = plan.environments[i]!;
    const isLast = i === last && plan.endsLive;
    // Promotion gates of the environment before live stand in for Go Live.
    const gatedBefore = i > 0 && hasGates(plan.environments[i - 1]!);
    if (isLast && i > 0 && !input.startAtLast && !gatedBefore) {
      await awaitApproval(run);
      if (finished()) return;
    }
    if (!(await acquire(run, step, isLast))) return;
    const result = await deploy(run, step, isLast);
    if (result.status !== 'deployed') {
      await release(run, step.environment);
      finish(
        state,
        statusFor(isLast, 'deploy-failed'),
        { status: result.status, message: result.message },
        'slipway',
        now(),
      );
      await run.record();
      return;
    }
    if (isLast) {
      await release(run, step.environment);
      finish(
        state,
        'GO_LIVE_DONE',
        { status: 'succeeded', message: `${plan.service} ${state.version} is live` },
        'slipway',
        now(),
      );
      await run.record();
      return;
    }
    if (hasGates(step)) {
      if (!(await promoteThroughGates(run, step, i === last))) return;
      continue;
    }
    await awaitTests(run, step);
    await release(run, step.environment);
    if (i === last && !finished()) {
      finish(
        state,
        state.status,
        { status: 'succeeded', message: `${plan.service} ${state.version} passed its tests in ${step.environment}` },
        'slipway',
        now(),
      );
      await run.record();
    }
  }
}
