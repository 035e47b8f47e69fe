import type { LockHolder, LockWaiter } from './lock-policy.js';

// The state of one environment lock: what its workflow answers to a query and what its
// projection (environment_queues) stores.

export interface LockRequest extends LockWaiter {
  workflowId: string;
}
export interface HeldLock extends LockHolder {
  workflowId: string;
  since: string;
}
export interface QueuedRequest extends LockRequest {
  since: string;
}

export interface EnvironmentLockState {
  environment: string;
  concurrency: 'groups' | 'exclusive';
  paused: boolean;
  holders: HeldLock[];
  waiters: QueuedRequest[];
}
