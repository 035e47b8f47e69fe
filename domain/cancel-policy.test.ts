import { describe, expect, it } from 'vitest';
import { cancellable, cancelScope, statusAfterCancel } from './cancel-policy.js';
import type { OctopushStatus, Phase } from './statuses.js';

interface Row {
  phase: Phase;
  status: OctopushStatus;
  octopush: boolean;
  native: boolean;
  scope: 'deploy:request' | 'deploy:approve';
  after?: OctopushStatus;
}

// Every phase a deployment can be in with each status it can show there.
const rows: Row[] = [
  { phase: 'queued', status: 'QUEUED', octopush: true, native: true, scope: 'deploy:request', after: 'DEPLOY_FAILED' },
  {
    phase: 'queued',
    status: 'QUEUED_FOR_LIVE',
    octopush: true,
    native: true,
    scope: 'deploy:approve',
    after: 'GO_LIVE_FAILED',
  },
  { phase: 'deploying', status: 'DEPLOYING', octopush: false, native: false, scope: 'deploy:request' },
  { phase: 'deploying', status: 'GOING_LIVE', octopush: false, native: false, scope: 'deploy:request' },
  {
    phase: 'awaiting-tests',
    status: 'PENDING_TESTS',
    octopush: false,
    native: true,
    scope: 'deploy:request',
    after: 'TESTS_FAILED',
  },
  // Passed in one test environment of several, the next not yet queued.
  {
    phase: 'awaiting-tests',
    status: 'TESTS_PASSED',
    octopush: false,
    native: true,
    scope: 'deploy:approve',
    after: 'TESTS_PASSED',
  },
  {
    phase: 'awaiting-approval',
    status: 'TESTS_PASSED',
    octopush: false,
    native: true,
    scope: 'deploy:approve',
    after: 'TESTS_PASSED',
  },
  { phase: 'finished', status: 'DEPLOY_FAILED', octopush: false, native: false, scope: 'deploy:request' },
  { phase: 'finished', status: 'TESTS_PASSED', octopush: false, native: false, scope: 'deploy:approve' },
  { phase: 'finished', status: 'TESTS_FAILED', octopush: false, native: false, scope: 'deploy:request' },
  { phase: 'finished', status: 'GO_LIVE_DONE', octopush: false, native: false, scope: 'deploy:request' },
  { phase: 'finished', status: 'GO_LIVE_FAILED', octopush: false, native: false, scope: 'deploy:request' },
];

describe('cancel policy', () => {
  it.each(rows)(
    '$phase $status: Octopush $octopush, native $native, needs $scope',
    ({ phase, status, octopush, native, scope, after }) => {
      expect(cancellable({ phase, status }, true)).toBe(octopush);
      expect(cancellable({ phase, status }, false)).toBe(native);
      expect(cancelScope(status)).toBe(scope);
      if (native) expect(statusAfterCancel[status]).toBe(after);
    },
  );
});
