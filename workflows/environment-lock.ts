import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store.js';
import {
  acquireSignal,
  lockStateQuery,
  releaseSignal,
  setPausedSignal,
  type EnvironmentLockInput,
  type EnvironmentLockState,
} from './environment-lock.messages.js';
import { dropVanished, grantWaiters, remember } from './environment-lock.grants.js';

const store = proxyActivities<StoreActivities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '10s' } });

/** The queue projection (GET /v1/environments/:env/queue) lags the lock by at most this much. */
const RECORD_INTERVAL_MS = 1_000;

/**
 * The lock of one environment. Grants follow domain/lock-policy.ts (acceptance order, Octopush's group
 * rule); a holder releases by signal, and a holder whose workflow is gone (terminated, timed out)
 * is found by a periodic liveness check, so no lock is leaked. Continues-as-new well before the
 * history cap, carrying holders, waiters and the pause switch.
 */
export async function environmentLock(input: EnvironmentLockInput): Promise<void> {
  const state: EnvironmentLockState = {
    environment: input.environment,
    concurrency: input.concurrency,
    paused: input.paused,
    holders: input.holders ?? [],
    waiters: input.waiters ?? [],
  };
  const known = new Set([...state.holders, ...state.waiters].map((r) => r.requestId));
  // Released request ids, remembered so that a late duplicate of an acquire (a retried
  // requestLock activity) cannot queue a request that nobody will ever release.
  const released: string[] = [...(input.released ?? [])];
  let dirty = true;
  // Runs with this patch close two races between messages and grants: a release of a request that
  // has not arrived yet is remembered (the late request is then ignored instead of queued for
  // ever), and a waiter released while earlier grants of its round were being sent is not granted.
  const closesMessageRaces = patched('lock-message-races');

  setHandler(lockStateQuery, () => state);
  setHandler(acquireSignal, (request) => {
    if (known.has(request.requestId) || released.includes(request.requestId)) return;
    known.add(request.requestId);
    state.waiters.push({ ...request, since: new Date().toISOString() });
    dirty = true;
  });
  setHandler(releaseSignal, ({ requestId }) => {
    const before = state.holders.length + state.waiters.length;
    state.holders = state.holders.filter((h) => h.requestId !== requestId);
    state.waiters = state.waiters.filter((w) => w.requestId !== requestId);
    if (known.delete(requestId) || (closesMessageRaces && !released.includes(requestId))) remember(released, requestId);
    if (state.holders.length + state.waiters.length !== before) dirty = true;
  });
  setHandler(setPausedSignal, ({ paused }) => {
    if (state.paused !== paused) {
      state.paused = paused;
      dirty = true;
    }
  });

  // A worker's cache is small (worker/worker.ts), so a busy lock is often evicted and replayed
  // from its whole history on its next task, behind the deployments' tasks on the same thread:
  // 10,000 events took longer than a workflow task may, and with 1,000 a burst of deployments made
  // each lock task take 5–20 s, time out and replay again. A short history and a queue
  // projection written at most once a RECORD_INTERVAL_MS keep every replay cheap. Runs started
  // before these patches keep their old behaviour until they continue as new.
  const maxEvents =
    input.maxHistoryEvents ??
    (patched('lock-history-limit-250') ? 250 : patched('lock-history-limit-1000') ? 1_000 : 10_000);
  const throttled = patched('lock-record-throttle');
  let recordedAt = -Infinity;
  let unrecorded = false;
  const livenessMs = (input.livenessCheckSeconds ?? 60) * 1000;
  // Runs started before this patch keep the old order, in which a signal arriving while grants
  // were being sent could be forgotten until the liveness timer: clear `dirty` before granting, so
  // anything arriving during the grants wakes the next round.
  const regrantAfterSignals = patched('lock-regrant-after-signals');
  for (;;) {
    if (throttled) {
      const wasDirty = dirty;
      dirty = false;
      const granted = !state.paused && (await grantWaiters(state, closesMessageRaces));
      unrecorded ||= wasDirty || granted;
      if (unrecorded && Date.now() - recordedAt >= RECORD_INTERVAL_MS) {
        unrecorded = false;
        recordedAt = Date.now();
        await store.recordQueue(state);
      }
    } else if (regrantAfterSignals) {
      const wasDirty = dirty;
      dirty = false;
      const granted = !state.paused && (await grantWaiters(state));
      if (wasDirty || granted) await store.recordQueue(state);
    } else {
      if (!state.paused && (await grantWaiters(state))) dirty = true;
      if (dirty) {
        dirty = false;
        await store.recordQueue(state);
      }
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxEvents) break;
    const occupied = state.holders.length + state.waiters.length > 0;
    if (unrecorded) {
      await condition(() => dirty, Math.max(1, recordedAt + RECORD_INTERVAL_MS - Date.now()));
      continue;
    }
    const woke = await condition(() => dirty, occupied ? livenessMs : undefined);
    if (!woke && occupied) await dropVanished(state, known, released);
  }
  if (unrecorded) await store.recordQueue(state);
  await condition(allHandlersFinished);
  await continueAsNew<typeof environmentLock>({
    ...input,
    paused: state.paused,
    holders: state.holders,
    waiters: state.waiters,
    released,
  });
}
