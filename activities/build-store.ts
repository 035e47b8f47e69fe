import { and, eq, lt } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { ApplicationFailure } from '@temporalio/activity';
import { allocateBuild } from '../db/builds.js';
import { registerArtifact } from '../db/artifacts.js';
import { builds, buildSecrets } from '../db/schema.js';
import { parse as parseYaml } from 'yaml';
import { ErrorType } from '../domain/errors.js';
import { validateJob, type JobDefinition } from '../domain/job.js';
import type { BuildInput } from '../workflows/build.messages.js';
import { finishedBuildStatuses, type BuildState } from '../domain/build-state.js';
import { logger } from '../infra/logger.js';

// The build projection. Snapshots carry a seq; older ones never overwrite newer ones. When a
// build finishes its secrets are deleted and log followers are told on `build_status`.

export function createBuildStoreActivities(deps: { db: Db; pubsub: Database['pubsub']; taskQueue: string }) {
  return {
    /**
     * A build for a deployment's job deployer or a webhook delivery. Idempotent by `trigger`: a
     * retried activity finds the build it already took a number for instead of taking another.
     */
    async allocateBuildOnce(input: { jobPath: string; parameters: Record<string, string>; trigger: string; ref?: string }): Promise<BuildInput> {
      const [existing] = await deps.db.select().from(builds).where(and(eq(builds.jobPath, input.jobPath), eq(builds.triggeredBy, input.trigger)));
      if (existing) {
        const definition = existing.definition as unknown as BuildInput['definition'];
        const secretNames = definition.parameters.filter((p) => p.secret).map((p) => p.title);
        return { id: existing.id, jobPath: existing.jobPath, number: existing.number, definition, env: Object.fromEntries(Object.entries(existing.parameters).filter(([k]) => !secretNames.includes(k))), secretNames, ref: existing.ref ?? undefined };
      }
      const allocation = await allocateBuild(deps.db, deps.taskQueue, input.jobPath, input.parameters, input.trigger, { ref: input.ref });
      if (!allocation.ok) throw ApplicationFailure.nonRetryable(`job ${input.jobPath}: ${allocation.field}: ${allocation.message}`, ErrorType.BadConfig);
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
        throw ApplicationFailure.nonRetryable(`.slipway.yml: ${(err as Error).message.split('\n')[0]}`, ErrorType.BadConfig);
      }
      const check = validateJob({ repository: input.repository, ...(raw as object) });
      if (!check.ok) throw ApplicationFailure.nonRetryable(`.slipway.yml: ${check.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, ErrorType.BadConfig);
      return check.job;
    },

    /** "Artifact ready": the same service and version again is a no-op. */
    async registerArtifact(input: { service: string; version: string; commit: string | null; buildId: string }): Promise<void> {
      await registerArtifact(deps.db, { ...input, registeredBy: `build ${input.buildId}` });
    },

    async recordBuild(state: BuildState): Promise<void> {
      const updated = await deps.db.update(builds).set({
        status: state.status, commands: state.commands, commit: state.commit, ref: state.ref, host: state.host, reason: state.reason,
        startedAt: state.startedAt ? new Date(state.startedAt) : null, finishedAt: state.finishedAt ? new Date(state.finishedAt) : null, seq: state.seq,
      }).where(and(eq(builds.id, state.id), lt(builds.seq, state.seq))).returning({ id: builds.id });
      if (updated.length === 0) return;
      if (finishedBuildStatuses.has(state.status) && state.finishedAt) {
        await deps.db.delete(buildSecrets).where(eq(buildSecrets.buildId, state.id));
        await deps.pubsub.notify('build_status', JSON.stringify({ buildId: state.id, status: state.status }));
        logger.info({ buildId: state.id, job: state.jobPath, number: state.number, status: state.status, reason: state.reason }, 'build finished');
      }
    },

    /** Secret parameter values of a build, for its host's commands; never put into workflow history. */
    async buildSecretValues(buildId: string): Promise<Record<string, string>> {
      const rows = await deps.db.select().from(buildSecrets).where(eq(buildSecrets.buildId, buildId));
      return Object.fromEntries(rows.map((r) => [r.name, r.value]));
    },
  };
}

export type BuildStoreActivities = ReturnType<typeof createBuildStoreActivities>;
