import { ApplicationFailure } from '@temporalio/activity';
import { parse as parseYaml } from 'yaml';
import { registerArtifact } from '../db/artifacts.js';
import { notifyBuildStatus } from '../db/build-logs.js';
import { allocateBuild, deleteBuildSecrets, findTriggeredBuild, recordBuild } from '../db/builds.js';
import type { Database, Db } from '../db/client.js';
import type { BuildInput } from '../domain/build-input.js';
import { finishedBuildStatuses, type BuildState } from '../domain/build-state.js';
import { ErrorType } from '../domain/errors.js';
import { validateJob, type JobDefinition } from '../domain/job.js';
import { withoutSecretDefaults } from '../domain/secret-parameters.js';
import { logger } from '../infra/logger.js';

// The build projection. Snapshots carry a seq; older ones never overwrite newer ones. When a
// build finishes its secrets are deleted and log followers are told on `build_status`.

export function createBuildStoreActivities(deps: { db: Db; pubsub: Database['pubsub']; taskQueue: string }) {
  return {
    /**
     * A build for a deployment's job deployer or a webhook delivery. Idempotent by `trigger`: a
     * retried activity finds the build it already took a number for instead of taking another.
     */
    async allocateBuildOnce(input: {
      jobPath: string;
      parameters: Record<string, string>;
      trigger: string;
      ref?: string;
      /** false for untrusted code (a pull request): no secret parameters, no artifact. Default true. */
      trusted?: boolean;
    }): Promise<BuildInput> {
      const trusted = input.trusted ?? true;
      const existing = await findTriggeredBuild(deps.db, input.jobPath, input.trigger, trusted);
      if (existing) return existing;
      const allocation = await allocateBuild(deps.db, deps.taskQueue, input.jobPath, input.parameters, input.trigger, {
        ref: input.ref,
        trusted,
      });
      if (!allocation.ok)
        throw ApplicationFailure.nonRetryable(
          `job ${input.jobPath}: ${allocation.field}: ${allocation.message}`,
          ErrorType.BadConfig,
        );
      return allocation.input;
    },

    /**
     * A repository's `.slipway.yml`, which takes precedence over the stored definition. Parsed here
     * rather than in the workflow, which keeps the YAML parser and the schemas out of its sandbox.
     */
    async parseJobFile(input: { text: string; repository?: JobDefinition['repository'] }): Promise<JobDefinition> {
      let raw: unknown;
      try {
        raw = parseYaml(input.text);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `.slipway.yml: ${(err as Error).message.split('\n')[0]}`,
          ErrorType.BadConfig,
        );
      }
      const check = validateJob({ repository: input.repository, ...(raw as object) });
      if (!check.ok)
        throw ApplicationFailure.nonRetryable(
          `.slipway.yml: ${check.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
          ErrorType.BadConfig,
        );
      // Its secret defaults would reach history as this activity's result; the build never uses them.
      return withoutSecretDefaults(check.job);
    },

    /**
     * "Artifact ready": the same artifact again (a retried activity) is a no-op. A version registered
     * before with other values stays as it was (artifacts are immutable) and the build says so in its log.
     */
    async registerArtifact(input: {
      service: string;
      /** `group:name`; absent: the service's own artifact. */
      module?: string;
      version: string;
      digest?: string | null;
      commit: string | null;
      buildId: string;
    }): Promise<void> {
      const registration = await registerArtifact(deps.db, {
        service: input.service,
        module: input.module ?? input.service,
        version: input.version,
        digest: input.digest ?? null,
        commit: input.commit,
        sourceUrl: null,
        buildId: input.buildId,
        registeredBy: `build ${input.buildId}`,
      });
      if (registration.outcome === 'conflict')
        logger.warn(
          {
            buildId: input.buildId,
            module: input.module ?? input.service,
            version: input.version,
            differing: registration.differing,
          },
          'artifact version already registered with other values; kept as it was',
        );
    },

    async recordBuild(state: BuildState): Promise<void> {
      if (!(await recordBuild(deps.db, state))) return;
      if (finishedBuildStatuses.has(state.status) && state.finishedAt) {
        await deleteBuildSecrets(deps.db, state.id);
        await notifyBuildStatus(deps.pubsub, state.id, state.status);
        logger.info(
          { buildId: state.id, job: state.jobPath, number: state.number, status: state.status, reason: state.reason },
          'build finished',
        );
      }
    },
  };
}

export type BuildStoreActivities = ReturnType<typeof createBuildStoreActivities>;
