// A test-only workflow bundle: the real environment lock, and a probe that requests it the way a
// deployment does (the requestLock activity, a grant by signal, a release by signal) and notes
// when it holds the lock, so a test can check grant order, overlap and liveness from outside.
import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { LockActivities } from '../../activities/locks.js';
import { lockGrantedSignal } from '../../workflows/deployment.messages.js';
import { environmentLockWorkflowId, releaseSignal } from '../../workflows/environment-lock.messages.js';

export { environmentLock } from '../../workflows/environment-lock.js';

export interface ProbeNote {
  requestId: string;
  what: 'granted' | 'releasing';
}
export interface ProbeActivities {
  noteProbe(note: ProbeNote): Promise<void>;
}
export interface ProbeInput {
  environment: string;
  requestId: string;
  service: string;
  group: string;
  order: number;
  holdMs: number;
  /** false: the test sends the acquire signal itself (to order it against other signals). */
  request?: boolean;
}

const acts = proxyActivities<Pick<LockActivities, 'requestLock'> & ProbeActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1s' },
});

export async function lockProbe(input: ProbeInput): Promise<void> {
  let granted = false;
  setHandler(lockGrantedSignal, ({ requestId }) => {
    if (requestId === input.requestId) granted = true;
  });
  if (input.request !== false)
    await acts.requestLock({
      environment: input.environment,
      concurrency: 'exclusive',
      request: {
        requestId: input.requestId,
        workflowId: workflowInfo().workflowId,
        service: input.service,
        group: input.group,
        order: input.order,
      },
    });
  await condition(() => granted);
  await acts.noteProbe({ requestId: input.requestId, what: 'granted' });
  // Timers of the dev server fire on a one-second tick: hold without one unless asked to.
  if (input.holdMs > 0) await sleep(input.holdMs);
  await acts.noteProbe({ requestId: input.requestId, what: 'releasing' });
  await getExternalWorkflowHandle(environmentLockWorkflowId(workflowInfo().taskQueue, input.environment)).signal(
    releaseSignal,
    { requestId: input.requestId },
  );
}
