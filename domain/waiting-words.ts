import type { WaitingOn } from './deployment-state.js';

// What a deployment waits on, as one sentence for people (the dashboard's board, list and detail
// pages). The one home of this wording: every page that shows a wait calls waitingInWords.

/** What the lock queue adds to a lock wait when it is known (api/deployments/view.ts waitingDetail). */
export interface LockQueueDetail {
  paused?: boolean;
  /** 1-based place among the environment's waiters; null when not (yet) in its queue. */
  position?: number | null;
  /** Services holding the environment now. */
  holders?: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2026-05-01 14:03 UTC": minutes are what a person plans by; seconds are noise here. */
export function shortTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function lockWait(environment: string, queue: LockQueueDetail): string {
  const parts = [`Waiting for the ${environment} lock`];
  if (queue.paused) parts.push(`: ${environment} is paused`);
  else if (queue.holders && queue.holders.length > 0) parts.push(`, held by ${queue.holders.join(', ')}`);
  if (queue.position) parts.push(` (number ${queue.position} in the queue)`);
  return `${parts.join('')}.`;
}

/** null → null: nothing is awaited (finished, or between two steps). */
export function waitingInWords(waiting: WaitingOn | null, queue: LockQueueDetail = {}): string | null {
  if (!waiting) return null;
  switch (waiting.kind) {
    case 'lock':
      return lockWait(waiting.environment, queue);
    case 'deployer':
      return `Deploying to ${waiting.environment}${waiting.detail ? `: ${waiting.detail}` : ''}.`;
    case 'tests':
      return `Waiting for test results from ${waiting.environment} until ${shortTime(waiting.dueAt)}; then it ${
        waiting.onExpiry === 'fail' ? 'fails' : 'gives up the lock and keeps waiting'
      }.`;
    case 'approval': {
      const who = waiting.approvers.length > 0 ? ` from ${waiting.approvers.join(', ')}` : '';
      return `Waiting for Go Live to ${waiting.environment}: ${plural(waiting.approvalsNeeded, 'approval')} needed${who}, by ${shortTime(waiting.dueAt)}.`;
    }
  }
}
