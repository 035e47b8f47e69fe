import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { LockActivities } from '../activities/locks.js';
import type { StoreActivities } from '../activities/store.js';
import { grantable } from '../domain/lock-policy.js';
import { lockGrantedSignal } from './deployment.messages.js';
import type { EnvironmentLockState, HeldLock } from './environment-lock.messages.js';

// The lock's grants (environment-lock.ts runs them): given to the waiters the policy allows, taken
// back from requesters that are gone, and the released request ids remembered.

// The same options as environment-lock.ts's store.
const store = proxyActivities<StoreActivities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '10s' } });
const locks = proxyActivities<LockActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } });

/** Remembers a released request id (the last 500): a late duplicate of its acquire is then ignored. */
export function remember(released: string[], requestId: string): void {
  released.push(requestId);
  if (released.length > 500) released.splice(0, released.length - 500);
}

/** Grants what the policy allows; true when anything changed. */
export async function grantWaiters(state: EnvironmentLockState, skipReleased = false): Promise<boolean> {
  const granted = grantable(state.concurrency, state.holders, state.waiters);
  for (const waiter of granted) {
    // Each grant awaits its signal; a release handled meanwhile may have taken this waiter out.
    if (skipReleased && !state.waiters.some((w) => w.requestId === waiter.requestId)) continue;
    if (skipReleased && state.paused) break;
    state.waiters = state.waiters.filter((w) => w.requestId !== waiter.requestId);
    const held: HeldLock = {
      requestId: waiter.requestId,
      service: waiter.service,
      group: waiter.group,
      workflowId: waiter.workflowId,
      since: new Date().toISOString(),
    };
    state.holders.push(held);
    try {
      await getExternalWorkflowHandle(waiter.workflowId).signal(lockGrantedSignal, {
        environment: state.environment,
        requestId: waiter.requestId,
      });
    } catch {
      // The requester is gone: its grant can never be released by it, so take it back now.
      state.holders = state.holders.filter((h) => h.requestId !== waiter.requestId);
    }
  }
  return granted.length > 0;
}

/** The liveness check: takes back the grants and places of requesters whose workflow has closed. */
export async function dropVanished(state: EnvironmentLockState, known: Set<string>, released: string[]): Promise<void> {
  const ids = [...new Set([...state.holders, ...state.waiters].map((r) => r.workflowId))];
  const closed = new Set(await locks.closedWorkflows(ids));
  if (closed.size === 0) return;
  for (const r of [...state.holders, ...state.waiters])
    if (closed.has(r.workflowId) && known.delete(r.requestId)) remember(released, r.requestId);
  state.holders = state.holders.filter((h) => !closed.has(h.workflowId));
  state.waiters = state.waiters.filter((w) => !closed.has(w.workflowId));
  await store.recordQueue(state);
}
