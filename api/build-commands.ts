import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import { allocateBuild, markBuildNotStarted, type BuildRow } from '../db/builds.js';
import { builds, jobs } from '../db/schema.js';
import { jobPathPattern, validateJob, type JobDefinition } from '../domain/job.js';
import { logger } from '../infra/logger.js';
import { cancelBuildUpdate } from '../workflows/build.messages.js';
import type { ApiDeps } from './deps.js';
import { ApiError, badRequest, conflict, notFound, unavailable } from './errors.js';

// Jobs (definitions in folders) and their builds: the use cases behind /v1/jobs and /v1/builds.

export type { BuildRow };
export type JobRow = typeof jobs.$inferSelect;

/** A secret parameter's default is a secret too: definitions are shown with it masked. */
export function publicDefinition(definition: JobDefinition | Record<string, unknown>) {
  const def = definition as JobDefinition;
  return { ...def, parameters: (def.parameters ?? []).map((p) => (p.secret && p.default !== undefined ? { ...p, default: '***' } : p)) };
}

export function createBuildCommands(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;

  function checkPath(path: string) {
    if (!jobPathPattern.test(path) || path.split('/').includes('builds')) throw badRequest('path', 'a job path is folder/…/job: letters, digits, ".", "_" or "-" per segment, and no segment named "builds"');
  }

  async function activeJob(path: string): Promise<JobRow> {
    const [row] = await db.select().from(jobs).where(and(eq(jobs.path, path), isNull(jobs.retiredAt)));
    if (!row) throw notFound(`job ${path}`);
    return row;
  }

  async function putJob(path: string, raw: unknown, parentPath: string | null = null): Promise<{ created: boolean; job: JobRow }> {
    checkPath(path);
    const check = validateJob(raw);
    if (!check.ok) throw new ApiError(400, 'invalid', `${check.errors[0]!.path}: ${check.errors[0]!.message}`, check.errors[0]!.path, check.errors);
    const definition = check.job as unknown as Record<string, unknown>;
    const [existing] = await db.select({ path: jobs.path, retiredAt: jobs.retiredAt }).from(jobs).where(eq(jobs.path, path));
    const [job] = await db.insert(jobs).values({ path, definition, parentPath })
      .onConflictDoUpdate({ target: jobs.path, set: { definition, parentPath, updatedAt: new Date(), retiredAt: null } }).returning();
    return { created: !existing || existing.retiredAt !== null, job: job! };
  }

  async function trigger(path: string, given: Record<string, string>, actor: string, opts: { ref?: string; rebuildOf?: string } = {}): Promise<BuildRow> {
    const allocation = await allocateBuild(db, taskQueue, path, given, actor, opts);
    if (!allocation.ok) throw allocation.status === 404 ? notFound(`job ${path}`) : badRequest(allocation.field, allocation.message);
    const { row, input } = allocation;
    try {
      await temporal.workflow.start('build', { workflowId: row.id, taskQueue, args: [{ ...input, heartbeatMs: deps.heartbeatMs }], memo: { job: path, number: row.number } });
    } catch (err) {
      logger.error({ err, buildId: row.id }, 'could not start build workflow');
      await markBuildNotStarted(db, row.id, 'Temporal did not accept the build');
      throw unavailable(`build #${row.number} of ${path} could not start: Temporal did not accept it`);
    }
    logger.info({ buildId: row.id, job: path, number: row.number, actor }, 'build triggered');
    return row;
  }

  async function findBuild(id: string): Promise<BuildRow> {
    const [row] = await db.select().from(builds).where(eq(builds.id, id));
    if (!row) throw notFound(`build ${id}`);
    return row;
  }

  return {
    putJob,
    activeJob,
    trigger,
    findBuild,
    async retireJob(path: string): Promise<void> {
      await activeJob(path);
      await db.update(jobs).set({ retiredAt: new Date() }).where(eq(jobs.path, path));
    },
    async listJobs(): Promise<JobRow[]> {
      return db.select().from(jobs).where(isNull(jobs.retiredAt)).orderBy(jobs.path);
    },
    async listBuilds(path: string, limit: number, before?: number): Promise<BuildRow[]> {
      const where = before ? and(eq(builds.jobPath, path), lt(builds.number, before)) : eq(builds.jobPath, path);
      return db.select().from(builds).where(where).orderBy(desc(builds.number)).limit(limit);
    },
    async cancel(id: string, actor: string): Promise<BuildRow> {
      const row = await findBuild(id);
      try {
        await temporal.workflow.getHandle(id).executeUpdate(cancelBuildUpdate, { args: [{ actor }] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message))) throw conflict(`build #${row.number} is already ${row.status}`);
        throw err;
      }
      return findBuild(id);
    },
    /** The same job and parameters again, at the same commit; secret values must be given again. */
    async rebuild(id: string, actor: string, given: Record<string, string>): Promise<BuildRow> {
      const row = await findBuild(id);
      const definition = (await activeJob(row.jobPath)).definition as unknown as JobDefinition;
      const secretNames = new Set(definition.parameters.filter((p) => p.secret).map((p) => p.title));
      const reused = Object.fromEntries(Object.entries(row.parameters).filter(([k]) => !secretNames.has(k)));
      return trigger(row.jobPath, { ...reused, ...given }, actor, { ref: row.commit ?? row.ref ?? undefined, rebuildOf: row.id });
    },
  };
}

export type BuildCommands = ReturnType<typeof createBuildCommands>;
