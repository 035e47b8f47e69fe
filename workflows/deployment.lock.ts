import { condition, getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks.js';
import { envStatus, statusFor, transition } from '../domain/deployment-state.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { correlationId } from './deployment.messages.js';
import { environmentLockWorkflowId, releaseSignal } from './environment-lock.messages.js';
import { now, type DeploymentRun } from './deployment.run.js';

// A deployment's side of an environment lock: ask (through an activity, which signals-with-start
// the lock workflow), wait for the grant signal, release by signal.

const locks = proxyActivities<LockActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } });

/** Queues for the step's environment lock and waits for it; false when the deployment finished meanwhile. */
export async function acquire(run: DeploymentRun, step: EnvironmentStep, isLast: boolean): Promise<boolean> {
  const { state, plan, fromFacts, finished } = run;
  if (fromFacts && finished()) return false;
  const env = envStatus(state, step.environment);
  state.environment = step.environment;
  env.state = 'queued';
  env.queuedAt = now();
  state.waitingOn = { kind: 'lock', environment: step.environment, since: env.queuedAt };
  transition(
    state,
    statusFor(isLast, 'queued'),
    'queued',
    'slipway',
    `waiting for the ${step.environment} lock`,
    now(),
  );
  await run.record();
  if (fromFacts) {
    // Held from the moment it is asked for: a cancel during the request still releases it (the
    // lock remembers a release that came before the request and ignores the late request).
    if (finished()) return false;
    run.held.add(step.environment);
  }
  await locks.requestLock({
    environment: step.environment,
    concurrency: step.concurrency,
    request: {
      requestId: correlationId(state.id, step.environment),
      workflowId: workflowInfo().workflowId,
      service: plan.service,
      group: plan.group,
      order: state.number,
    },
  });
  run.held.add(step.environment);
  await condition(() => run.granted.has(step.environment) || finished());
  return !finished();
}

export async function release(run: DeploymentRun, environment: string): Promise<void> {
  if (!run.held.delete(environment)) return;
  const lock = getExternalWorkflowHandle(environmentLockWorkflowId(workflowInfo().taskQueue, environment));
  const sent = lock.signal(releaseSignal, { requestId: correlationId(run.state.id, environment) });
  // With fromFacts a lock is held from its request on: a request cut short (the workflow
  // cancelled while requestLock ran) may never have created the lock workflow, and then there
  // is nothing to release.
  await (run.fromFacts ? sent.catch(() => undefined) : sent);
}
