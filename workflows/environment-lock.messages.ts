import { defineQuery, defineSignal, type SignalDefinition } from '@temporalio/workflow';
import { environmentLockWorkflowId } from '../domain/ids.js';
import type { EnvironmentLockState, HeldLock, LockRequest, QueuedRequest } from '../domain/lock-state.js';

// One lock workflow per environment. Requests and releases are signals: the requester is a
// workflow, which cannot send Updates, and learns of its grant through lockGrantedSignal.

export { environmentLockWorkflowId };

export type { EnvironmentLockState, HeldLock, LockRequest, QueuedRequest } from '../domain/lock-state.js';

export interface EnvironmentLockInput {
  environment: string;
  concurrency: 'groups' | 'exclusive';
  paused: boolean;
  /** State carried over by continue-as-new. */
  holders?: HeldLock[];
  waiters?: QueuedRequest[];
  released?: string[];
  /** Seconds between checks that holders' workflows are still running (a terminated holder frees its lock). */
  livenessCheckSeconds?: number;
  /** Continue-as-new after this many events at the latest (Temporal's hard cap is 51,200). */
  maxHistoryEvents?: number;
}

export const acquireSignal = defineSignal<[LockRequest]>('acquire');
export const releaseSignal = defineSignal<[{ requestId: string }]>('release');
export const setPausedSignal = defineSignal<[{ paused: boolean }]>('setPaused');
export const lockStateQuery = defineQuery<EnvironmentLockState>('lockState');

export const environmentLockWorkflowType = 'environmentLock';

/** How a lock workflow runs: deployment settings (tests shorten them), the same for every starter. */
export type LockTuning = Pick<EnvironmentLockInput, 'livenessCheckSeconds' | 'maxHistoryEvents'>;

/**
 * Options to signal an environment's lock, starting it first if it does not run
 * (`client.workflow.signalWithStart(environmentLockWorkflowType, options)`). Both starters, a
 * deployment's requestLock activity and the API's pause switch, build them here: a lock keeps the
 * arguments of whichever started it through every continue-as-new.
 */
export function lockSignalWithStartOptions<SignalArgs extends unknown[]>(
  lock: {
    taskQueue: string;
    environment: string;
    concurrency: 'groups' | 'exclusive';
    paused: boolean;
    tuning?: LockTuning;
  },
  signal: SignalDefinition<SignalArgs>,
  ...signalArgs: SignalArgs
) {
  const input: EnvironmentLockInput = {
    environment: lock.environment,
    concurrency: lock.concurrency,
    paused: lock.paused,
    livenessCheckSeconds: lock.tuning?.livenessCheckSeconds,
    maxHistoryEvents: lock.tuning?.maxHistoryEvents,
  };
  return {
    workflowId: environmentLockWorkflowId(lock.taskQueue, lock.environment),
    taskQueue: lock.taskQueue,
    args: [input] as [EnvironmentLockInput],
    signal,
    signalArgs,
  };
}
