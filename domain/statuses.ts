// Octopush job statuses, in the order a job moves through them; a job never moves back.
export const OctopushStatuses = [
  'QUEUED', //          waiting for the pre-prod lock
  'DEPLOYING', //       the pre-prod deployer is running
  'DEPLOY_FAILED', //   pre-prod deploy failed, errored, or the job was cancelled while queued
  'PENDING_TESTS', //   deployed to pre-prod, waiting for the dev Jenkins to report the test result
  'TESTS_PASSED', //    tests passed: waiting for an authorized Go Live
  'TESTS_FAILED', //    tests failed (or their wait expired)
  'QUEUED_FOR_LIVE', // Go Live given: waiting for the live lock
  'GOING_LIVE', //      the live deployer is running
  'GO_LIVE_DONE', //    live
  'GO_LIVE_FAILED', //  live deploy failed, errored, or cancelled while queued for live
] as const;
export type OctopushStatus = (typeof OctopushStatuses)[number];

export const statusRank = (s: OctopushStatus): number => OctopushStatuses.indexOf(s);

/** Slipway's richer phase of a deployment; the Octopush status is a view of it. */
export type Phase =
  | 'queued' //            waiting for an environment lock
  | 'deploying' //         a deployer runs
  | 'awaiting-tests' //    deployed, waiting for a test result
  | 'awaiting-approval' // waiting for Go Live approvals
  | 'awaiting-gates' //    deployed, waiting for the environment's promotion gates
  | 'finished'; //         see outcome

/** failed: something said no (deploy failed, tests failed); errored: we could not find out (Jenkins unreachable). */
export type OutcomeStatus = 'succeeded' | 'failed' | 'errored' | 'cancelled' | 'expired';

export interface Outcome {
  status: OutcomeStatus;
  message: string;
}
