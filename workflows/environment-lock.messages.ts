import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EnvironmentLockState, HeldLock, LockRequest, QueuedRequest } from '../domain/lock-state.js';

// One lock workflow per environment. Requests and releases are signals: the requester is a
// workflow, which cannot send Updates, and learns of its grant through lockGrantedSignal.

export { environmentLockWorkflowId } from '../domain/ids.js';

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
