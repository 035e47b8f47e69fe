import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { BuildInput } from '../domain/build-input.js';
import { checkParameters } from '../domain/build-plan.js';
import type { BuildState } from '../domain/build-state.js';
import { buildWorkflowId } from '../domain/ids.js';
import type { JobDefinition } from '../domain/job.js';
import {
  splitParameters,
  withoutSecretDefaults,
  withoutSecretParameters,
  withoutSecrets,
} from '../domain/secret-parameters.js';
import type { Db } from './client.js';
import { findActiveJob } from './jobs.js';
import { builds, buildSecrets, jobs } from './schema.js';

// Builds: taking a build number and writing the build row (shared by the API, when a person or
// a webhook triggers a build, and by the workflows, when a deployer runs a job or a delivery
// builds a copy), the build projection, and the values of secret parameters.

export type BuildRow = typeof builds.$inferSelect;

export type Allocation =
  { ok: true; row: BuildRow; input: BuildInput } | { ok: false; field: string; message: string; status: 400 | 404 };

/**
 * One UPDATE takes the number, so concurrent triggers get distinct numbers and a number once taken
 * is never given again. Secret values go to build_secrets, never into the row or workflow input
 * (nor do secret defaults: the input's definition has none). An untrusted build (`trusted: false`,
 * a pull request's code) gets no secret parameter at all: given values and defaults are dropped and
 * nothing is written to build_secrets.
 */
export async function allocateBuild(
  db: Db,
  scope: string,
  path: string,
  given: Record<string, string>,
  actor: string,
  opts: { ref?: string; rebuildOf?: string; trusted?: boolean } = {},
): Promise<Allocation> {
  const job = await findActiveJob(db, path);
  if (!job) return { ok: false, field: 'job', message: `job ${path} not found`, status: 404 };
  const definition = job.definition as unknown as JobDefinition;
  const trusted = opts.trusted ?? true;
  const params = trusted
    ? checkParameters(definition, given)
    : checkParameters(withoutSecretParameters(definition), withoutSecrets(definition, given));
  if (!params.ok) return { ok: false, field: params.field, message: params.message, status: 400 };
  const split = splitParameters(definition, params.env);
  const row = await db.transaction(async (tx) => {
    const [{ number }] = (await tx
      .update(jobs)
      .set({ nextNumber: sql`${jobs.nextNumber} + 1` })
      .where(eq(jobs.path, path))
      .returning({ number: sql<number>`${jobs.nextNumber} - 1` })) as [{ number: number }];
    const id = buildWorkflowId(scope, path, number);
    const [inserted] = await tx
      .insert(builds)
      .values({
        id,
        jobPath: path,
        number,
        status: 'queued',
        parameters: split.shown,
        definition: job.definition,
        ref: opts.ref ?? definition.repository?.ref ?? null,
        triggeredBy: actor,
        rebuildOf: opts.rebuildOf ?? null,
        seq: 0,
      })
      .returning();
    const secrets = Object.entries(split.secret);
    if (secrets.length)
      await tx.insert(buildSecrets).values(secrets.map(([name, value]) => ({ buildId: id, name, value })));
    return inserted!;
  });
  return {
    ok: true,
    row,
    input: {
      id: row.id,
      jobPath: path,
      number: row.number,
      definition: withoutSecretDefaults(definition),
      env: split.public,
      secretNames: split.secretNames,
      trusted,
      ref: opts.ref,
    },
  };
}

/**
 * The build a trigger (a deployment's deployer, a webhook delivery) already allocated, as its
 * workflow input; null when it has none yet. Lets a retried allocation find its build; `trusted` is
 * the retried allocation's own (the same trigger decides it the same way each time).
 */
export async function findTriggeredBuild(
  db: Db,
  jobPath: string,
  trigger: string,
  trusted = true,
): Promise<BuildInput | null> {
  const [existing] = await db
    .select()
    .from(builds)
    .where(and(eq(builds.jobPath, jobPath), eq(builds.triggeredBy, trigger)));
  if (!existing) return null;
  const definition = existing.definition as unknown as JobDefinition;
  const split = splitParameters(definition, existing.parameters);
  return {
    id: existing.id,
    jobPath: existing.jobPath,
    number: existing.number,
    definition: withoutSecretDefaults(definition),
    env: split.public,
    secretNames: split.secretNames,
    trusted,
    ref: existing.ref ?? undefined,
  };
}

/** When a build's workflow could not be started: the number stays taken, the row says why. */
export async function markBuildNotStarted(db: Db, id: string, reason: string): Promise<void> {
  await db.update(builds).set({ status: 'errored', reason, finishedAt: new Date() }).where(eq(builds.id, id));
  await deleteBuildSecrets(db, id);
}

export async function findBuild(db: Db, id: string): Promise<BuildRow | null> {
  const [row] = await db.select().from(builds).where(eq(builds.id, id));
  return row ?? null;
}

/** Newest first; `before` a build number, for paging. */
export async function listBuilds(db: Db, jobPath: string, limit: number, before?: number): Promise<BuildRow[]> {
  const where = before ? and(eq(builds.jobPath, jobPath), lt(builds.number, before)) : eq(builds.jobPath, jobPath);
  return db.select().from(builds).where(where).orderBy(desc(builds.number)).limit(limit);
}

/** The newest build of each of these jobs (a job without builds has none). */
export async function latestBuilds(db: Db, jobPaths: string[]): Promise<BuildRow[]> {
  if (jobPaths.length === 0) return [];
  return db
    .selectDistinctOn([builds.jobPath])
    .from(builds)
    .where(inArray(builds.jobPath, jobPaths))
    .orderBy(builds.jobPath, desc(builds.number));
}

/** Ids of a job's builds that are queued or running. */
export async function unfinishedBuildIds(db: Db, jobPath: string): Promise<string[]> {
  const rows = await db
    .select({ id: builds.id })
    .from(builds)
    .where(and(eq(builds.jobPath, jobPath), inArray(builds.status, ['queued', 'running'])));
  return rows.map((r) => r.id);
}

/** Writes a workflow's snapshot unless a newer one is stored (snapshots carry a seq). Returns whether it was written. */
export async function recordBuild(db: Db, state: BuildState): Promise<boolean> {
  const updated = await db
    .update(builds)
    .set({
      status: state.status,
      commands: state.commands,
      commit: state.commit,
      ref: state.ref,
      host: state.host,
      reason: state.reason,
      startedAt: state.startedAt ? new Date(state.startedAt) : null,
      finishedAt: state.finishedAt ? new Date(state.finishedAt) : null,
      seq: state.seq,
    })
    .where(and(eq(builds.id, state.id), lt(builds.seq, state.seq)))
    .returning({ id: builds.id });
  return updated.length > 0;
}

/** Secret parameter values of a build, for its host's commands; never put into workflow history. */
export async function buildSecretValues(db: Db, buildId: string): Promise<Record<string, string>> {
  const rows = await db.select().from(buildSecrets).where(eq(buildSecrets.buildId, buildId));
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** A finished build's secrets are deleted. */
export async function deleteBuildSecrets(db: Db, buildId: string): Promise<void> {
  await db.delete(buildSecrets).where(eq(buildSecrets.buildId, buildId));
}
