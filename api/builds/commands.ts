import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  allocateBuild,
  findBuild as findBuildRow,
  listBuilds,
  markBuildNotStarted,
  type BuildRow,
} from '../../db/builds.js';
import { findActiveJob, listActiveJobs, retireJobAudited, saveJobAudited, type JobRow } from '../../db/jobs.js';
import { validateJob } from '../../domain/job.js';
import { publicDefinition, withoutSecrets } from '../../domain/secret-parameters.js';
import { logger } from '../../infra/logger.js';
import { buildStartOptions, buildWorkflowType, cancelBuildUpdate } from '../../workflows/build.messages.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, badRequest, conflict, notFound, unavailable } from '../errors.js';

// Jobs (definitions in folders) and their builds: the use cases behind /v1/jobs and /v1/builds.

export type { BuildRow, JobRow };
export { publicDefinition };

export function createBuildCommands(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;

  async function activeJob(path: string): Promise<JobRow> {
    const row = await findActiveJob(db, path);
    if (!row) throw notFound(`job ${path}`);
    return row;
  }

  /**
   * `path` is checked by the route (api/jobs/routes.ts); the definition here, duplicate parameters
   * included. The write and its audit entry (with the actor) are one transaction.
   */
  async function putJob(path: string, raw: unknown, actor: string): Promise<{ created: boolean; job: JobRow }> {
    const check = validateJob(raw);
    if (!check.ok)
      throw new ApiError(
        400,
        'invalid',
        `${check.errors[0]!.path}: ${check.errors[0]!.message}`,
        check.errors[0]!.path,
        check.errors,
      );
    return saveJobAudited(db, path, check.job as unknown as Record<string, unknown>, actor);
  }

  async function trigger(
    path: string,
    given: Record<string, string>,
    actor: string,
    opts: { ref?: string; rebuildOf?: string } = {},
  ): Promise<BuildRow> {
    const allocation = await allocateBuild(db, taskQueue, path, given, actor, opts);
    if (!allocation.ok)
      throw allocation.status === 404 ? notFound(`job ${path}`) : badRequest(allocation.field, allocation.message);
    const { row, input } = allocation;
    try {
      await temporal.workflow.start(
        buildWorkflowType,
        buildStartOptions(
          { ...input, heartbeatMs: deps.heartbeatMs },
          { taskQueue, memo: { job: path, number: row.number } },
        ),
      );
    } catch (err) {
      logger.error({ err, buildId: row.id }, 'could not start build workflow');
      await markBuildNotStarted(db, row.id, 'Temporal did not accept the build');
      throw unavailable(`build #${row.number} of ${path} could not start: Temporal did not accept it`);
    }
    logger.info({ buildId: row.id, job: path, number: row.number, actor }, 'build triggered');
    return row;
  }

  async function findBuild(id: string): Promise<BuildRow> {
    const row = await findBuildRow(db, id);
    if (!row) throw notFound(`build ${id}`);
    return row;
  }

  return {
    putJob,
    activeJob,
    trigger,
    findBuild,
    async retireJob(path: string, actor: string): Promise<void> {
      await activeJob(path);
      await retireJobAudited(db, path, actor);
    },
    listJobs: (): Promise<JobRow[]> => listActiveJobs(db),
    listBuilds: (path: string, limit: number, before?: number): Promise<BuildRow[]> =>
      listBuilds(db, path, limit, before),
    async cancel(id: string, actor: string): Promise<BuildRow> {
      const row = await findBuild(id);
      try {
        await temporal.workflow.getHandle(id).executeUpdate(cancelBuildUpdate, { args: [{ actor }] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message)))
          throw conflict(`build #${row.number} is already ${row.status}`);
        throw err;
      }
      return findBuild(id);
    },
    /** The same job and parameters again, at the same commit; secret values must be given again. */
    async rebuild(id: string, actor: string, given: Record<string, string>): Promise<BuildRow> {
      const row = await findBuild(id);
      const reused = withoutSecrets((await activeJob(row.jobPath)).definition, row.parameters);
      return trigger(row.jobPath, { ...reused, ...given }, actor, {
        ref: row.commit ?? row.ref ?? undefined,
        rebuildOf: row.id,
      });
    },
  };
}

export type BuildCommands = ReturnType<typeof createBuildCommands>;
