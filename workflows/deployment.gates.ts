import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { envStatus, finish, touch, transition } from '../domain/deployment-state.js';
import { combinedStatus, failureOf, pendingLeafNames, pendingResult } from '../domain/gate-tree.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { evaluateGate, type GateContext } from './deployment.gate-eval.js';
import { release } from './deployment.lock.js';
import { now, type DeploymentRun } from './deployment.run.js';

// The promotion gates of one environment, after its deploy: all of them evaluated at once, each
// result (with its evidence) kept in the environment's status and projected as it changes. The
// first failure ends the deployment; when all passed, the pipeline goes on at once.

/** True when every gate passed; otherwise the deployment is finished (a gate failed, or a cancel came). */
export async function awaitGates(run: DeploymentRun, step: EnvironmentStep): Promise<boolean> {
  const { state, plan, finished } = run;
  const gates = step.gates!;
  const env = envStatus(state, step.environment);
  const results = (env.gates = gates.map((g) => pendingResult(g, now())));
  const showWaiting = () => {
    state.waitingOn = { kind: 'gates', environment: step.environment, pending: pendingLeafNames(gates, results) };
  };
  showWaiting();
  const names = gates.map((g) => g.name).join(', ');
  transition(
    state,
    'PENDING_TESTS',
    'awaiting-gates',
    'slipway',
    `deployed to ${step.environment}: gates ${names}`,
    now(),
  );
  await run.record();
  if (plan.lockPolicy === 'release-after-deploy') await release(run, step.environment);

  const ctx: GateContext = {
    run,
    step,
    progress: async () => {
      if (finished()) return;
      showWaiting();
      touch(state);
      await run.record();
    },
  };
  const scope = new CancellationScope();
  const evaluations = scope.run(() => Promise.all(gates.map((g, i) => evaluateGate(ctx, g, results[i]!))));
  evaluations.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  await condition(() => finished() || combinedStatus('all-of', results) !== 'pending');
  scope.cancel();
  if (finished()) return false;

  const failure = failureOf(results);
  if (failure) {
    const which = failure.path.map((n) => `"${n}"`).join(' → ');
    finish(
      state,
      'TESTS_FAILED',
      { status: 'failed', message: `gate ${which} failed in ${step.environment}: ${failure.reason}` },
      'slipway',
      now(),
    );
    await run.record();
    return false;
  }
  state.waitingOn = null;
  transition(state, 'TESTS_PASSED', 'awaiting-gates', 'slipway', `gates passed in ${step.environment}`, now());
  await run.record();
  return true;
}

export const hasGates = (step: EnvironmentStep): boolean => (step.gates?.length ?? 0) > 0;

/**
 * After a deploy to an environment with gates (never the live one: that has nothing to promote
 * to): the gates, then the lock goes. False when the deployment ended; the last environment of a
 * pipeline cut short (`endsLive` false) ends it succeeded.
 */
export async function promoteThroughGates(run: DeploymentRun, step: EnvironmentStep, last: boolean): Promise<boolean> {
  const passed = await awaitGates(run, step);
  await release(run, step.environment);
  if (!passed || run.finished()) return false;
  if (!last) return true;
  const { state, plan } = run;
  finish(
    state,
    state.status,
    { status: 'succeeded', message: `${plan.service} ${state.version} passed its gates in ${step.environment}` },
    'slipway',
    now(),
  );
  await run.record();
  return false;
}
