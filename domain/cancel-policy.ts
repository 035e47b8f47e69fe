import type { OctopushStatus, Phase } from './statuses.js';

// Who may cancel a deployment, and when: the one rule behind the cancel Update's validator
// (deployment-rules.ts checkCancel), both cancel routes and Octopush's `_canCancel`.
//
// When: Octopush cancels only a job queued for a lock; the native API also ends a wait for test
// results or for Go Live. Never while a deployer runs (its result would be lost), never once finished.
// Who: ending a deployment that waits for Go Live (TESTS_PASSED) or was given it (QUEUED_FOR_LIVE)
// overrules a Go Live decision, so it needs deploy:approve for its service; any other needs
// deploy:request (in a status that cannot be cancelled, the scope only decides which refusal comes).
// The workflow's validator decides this from the state it holds at that moment: a status read by the
// API beforehand may already have moved on (a test result arriving at the same time).

/** The status a cancel leaves behind, for each status a deployment can be cancelled in. */
export const statusAfterCancel: Partial<Record<OctopushStatus, OctopushStatus>> = {
  QUEUED: 'DEPLOY_FAILED',
  QUEUED_FOR_LIVE: 'GO_LIVE_FAILED',
  PENDING_TESTS: 'TESTS_FAILED',
  TESTS_PASSED: 'TESTS_PASSED',
};

/** Whether a cancel is allowed now; `octopushRules` for the Octopush surface, which only cancels queued jobs. */
export function cancellable(deployment: { phase: Phase; status: OctopushStatus }, octopushRules: boolean): boolean {
  const { phase, status } = deployment;
  const allowed = octopushRules ? phase === 'queued' : phase !== 'deploying' && phase !== 'finished';
  return allowed && statusAfterCancel[status] !== undefined;
}

/** The scope a caller needs to cancel a deployment in this status (for its service). */
export function cancelScope(status: OctopushStatus): 'deploy:request' | 'deploy:approve' {
  return status === 'TESTS_PASSED' || status === 'QUEUED_FOR_LIVE' ? 'deploy:approve' : 'deploy:request';
}

/** The cancel scopes a caller holds for one service, as carried in the cancel Update's argument. */
export type CancelScopes = Array<'deploy:request' | 'deploy:approve'>;
