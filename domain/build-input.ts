import type { JobDefinition } from './job.js';

// What starts a build workflow. Secret parameter values never travel in workflow input or
// history: they are stored apart (build_secrets) and the build host's activities read them by
// build id.

export interface BuildInput {
  id: string;
  jobPath: string;
  number: number;
  /** Secret parameters without their defaults (withoutSecretDefaults): history is no place for a secret. */
  definition: JobDefinition;
  /** Non-secret parameter values, as environment variables. */
  env: Record<string, string>;
  /** Names of secret parameters (their values are fetched on the build host). */
  secretNames: string[];
  /**
   * false: the code is untrusted (a pull request, see domain/job-links.ts): no secret parameter is
   * set, its build host loads no secret values, and its `artifact:` is ignored. Absent in inputs
   * of builds started before trust existed, which were all treated as trusted.
   */
  trusted?: boolean;
  /** Overrides the job's repository ref (a rebuild of a commit, a PR head). */
  ref?: string;
  /** Heartbeat timeout of host activities: how soon a dead build host is noticed (default 30 s). */
  heartbeatMs?: number;
}
