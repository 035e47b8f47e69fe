import { expect, it } from 'vitest';
import { shortTime, waitingInWords } from './waiting-words.js';

const due = '2026-05-01T14:03:27.000Z';

it('says nothing when nothing is awaited', () => {
  expect(waitingInWords(null)).toBeNull();
});

it('names the lock, and what the queue tells about it', () => {
  const lock = { kind: 'lock', environment: 'live', since: due } as const;
  expect(waitingInWords(lock)).toBe('Waiting for the live lock.');
  expect(waitingInWords(lock, { holders: ['checkout', 'search'], position: 2 })).toBe(
    'Waiting for the live lock, held by checkout, search (number 2 in the queue).',
  );
  expect(waitingInWords(lock, { paused: true, holders: ['checkout'], position: 1 })).toBe(
    'Waiting for the live lock: live is paused (number 1 in the queue).',
  );
});

it('names the deployer, the test deadline and what happens after it, and the approvals still needed', () => {
  expect(waitingInWords({ kind: 'deployer', environment: 'preprod', detail: 'Jenkins build #12' })).toBe(
    'Deploying to preprod: Jenkins build #12.',
  );
  expect(waitingInWords({ kind: 'tests', environment: 'preprod', dueAt: due, onExpiry: 'fail' })).toBe(
    'Waiting for test results from preprod until 2026-05-01 14:03 UTC; then it fails.',
  );
  expect(waitingInWords({ kind: 'tests', environment: 'qa', dueAt: due, onExpiry: 'release-lock' })).toContain(
    'then it gives up the lock and keeps waiting',
  );
  expect(waitingInWords({ kind: 'approval', environment: 'live', approvalsNeeded: 1, approvers: [], dueAt: due })).toBe(
    'Waiting for Go Live to live: 1 approval needed, by 2026-05-01 14:03 UTC.',
  );
  expect(
    waitingInWords({ kind: 'approval', environment: 'live', approvalsNeeded: 2, approvers: ['ann', 'bo'], dueAt: due }),
  ).toBe('Waiting for Go Live to live: 2 approvals needed from ann, bo, by 2026-05-01 14:03 UTC.');
});

it('keeps a time it cannot read as it is', () => {
  expect(shortTime('soon')).toBe('soon');
});
