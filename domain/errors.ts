// Failure type strings shared by activities (which throw them), workflows (which branch on them)
// and the API (which maps them to HTTP answers). ApplicationFailure.type carries these values.
export const ErrorType = {
  /** Configuration or input that can never succeed on retry (unknown job, bad parameter mapping). */
  BadConfig: 'SlipwayBadConfig',
  /** Jenkins answered a 4xx that retrying cannot fix (401, 403, 404, 400 not parameterized, 409 disabled). */
  JenkinsRejected: 'SlipwayJenkinsRejected',
  /** Jenkins cancelled the queue item before it became a build. */
  JenkinsQueueCancelled: 'SlipwayJenkinsQueueCancelled',
  /** The Docker engine refused the container (no such image, bad options). */
  DockerRejected: 'SlipwayDockerRejected',
  /** A forge (GitHub, GitLab, Gitea) refused a request with a 4xx that retrying cannot fix. */
  ForgeRejected: 'SlipwayForgeRejected',
  /** A step or deploy container ran longer than its timeout and was killed. */
  Timeout: 'SlipwayTimeout',
  /**
   * An Update validator's answer to a message that repeats one already applied: the Update is
   * rejected (so it leaves nothing in the workflow's history) and the API answers `duplicate`.
   */
  DuplicateMessage: 'SlipwayDuplicateMessage',
  /** An Update validator's refusal of a caller who lacks the scope the state asks for: the API answers 403. */
  Forbidden: 'SlipwayForbidden',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];
