import { and, eq, isNull, sql } from 'drizzle-orm';
import { checkParameters } from '../domain/build-plan.js';
import { stableHash } from '../domain/ids.js';
import type { JobDefinition } from '../domain/job.js';
import type { BuildInput } from '../workflows/build.messages.js';
import type { Db } from './client.js';
import { builds, buildSecrets, jobs } from './schema.js';

// Taking a build number and writing the build row, shared by the API (a person or a webhook
// triggers a build) and the deployment workflow (a deployer that runs a job).

export type BuildRow = typeof builds.$inferSelect;

export function buildWorkflowId(scope: string, jobPath: string, number: number): string {
  return `bld-${stableHash(`${scope}\u0000${jobPath}`).slice(0, 12)}-${number}`;
}

export type Allocation =
  | { ok: true; row: BuildRow; input: BuildInput }
  | { ok: false; field: string; message: string; status: 400 | 404 };

/**
 * One UPDATE takes the number, so concurrent triggers get distinct numbers and a number once taken
 * is never given again. Secret values go to build_secrets, never into the row or workflow input.
 */
export async function allocateBuild(db: Db, scope: string, path: string, given: Record<string, string>, actor: string, opts: { ref?: string; rebuildOf?: string } = {}): Promise<Allocation> {
  const [job] = await db.select().from(jobs).where(and(eq(jobs.path, path), isNull(jobs.retiredAt)));
  if (!job) return { ok: false, field: 'job', message: `job ${path} not found`, status: 404 };
  const definition = job.definition as unknown as JobDefinition;
  const params = checkParameters(definition, given);
  if (!params.ok) return { ok: false, field: params.field, message: params.message, status: 400 };
  const secretNames = definition.parameters.filter((p) => p.secret).map((p) => p.title);
  const shown = Object.fromEntries(Object.entries(params.env).map(([k, v]) => [k, secretNames.includes(k) ? '***' : v]));
  const row = await db.transaction(async (tx) => {
    const [{ number }] = (await tx.update(jobs).set({ nextNumber: sql`${jobs.nextNumber} + 1` }).where(eq(jobs.path, path)).returning({ number: sql<number>`${jobs.nextNumber} - 1` })) as [{ number: number }];
    const id = buildWorkflowId(scope, path, number);
    const [inserted] = await tx.insert(builds).values({ id, jobPath: path, number, status: 'queued', parameters: shown, definition: job.definition, ref: opts.ref ?? definition.repository?.ref ?? null, triggeredBy: actor, rebuildOf: opts.rebuildOf ?? null, seq: 0 }).returning();
    const secrets = Object.entries(params.env).filter(([k]) => secretNames.includes(k));
    if (secrets.length) await tx.insert(buildSecrets).values(secrets.map(([name, value]) => ({ buildId: id, name, value })));
    return inserted!;
  });
  const env = Object.fromEntries(Object.entries(params.env).filter(([k]) => !secretNames.includes(k)));
  return { ok: true, row, input: { id: row.id, jobPath: path, number: row.number, definition, env, secretNames, ref: opts.ref } };
}

/** When a build's workflow could not be started: the number stays taken, the row says why. */
export async function markBuildNotStarted(db: Db, id: string, reason: string): Promise<void> {
  await db.update(builds).set({ status: 'errored', reason, finishedAt: new Date() }).where(eq(builds.id, id));
  await db.delete(buildSecrets).where(eq(buildSecrets.buildId, id));
}
