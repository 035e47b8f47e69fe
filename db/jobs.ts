import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from './audit.js';
import type { Db } from './client.js';
import { jobs } from './schema.js';

// CI jobs in folders (`team/service/job`): definitions written through the API, and the copies a
// pull request or a branch gets (they name their parent). A retired job keeps its row, so its
// build numbers are never given again.

export type JobRow = typeof jobs.$inferSelect;

export async function findActiveJob(db: Db, path: string): Promise<JobRow | null> {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.path, path), isNull(jobs.retiredAt)));
  return row ?? null;
}

export async function listActiveJobs(db: Db): Promise<JobRow[]> {
  return db.select().from(jobs).where(isNull(jobs.retiredAt)).orderBy(jobs.path);
}

/** A job's active pull-request and branch copies, by path. */
export async function listJobCopies(db: Db, parentPath: string): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.parentPath, parentPath), isNull(jobs.retiredAt)))
    .orderBy(jobs.path);
}

/** Creates the job, or replaces its definition (and brings it back if it was retired). `created` is true for a new or retired one. */
export async function saveJob(
  db: Db,
  path: string,
  definition: Record<string, unknown>,
  parentPath: string | null,
  label?: string,
): Promise<{ created: boolean; job: JobRow }> {
  const [existing] = await db
    .select({ path: jobs.path, retiredAt: jobs.retiredAt })
    .from(jobs)
    .where(eq(jobs.path, path));
  const [job] = await db
    .insert(jobs)
    .values({ path, definition, parentPath, label })
    .onConflictDoUpdate({
      target: jobs.path,
      set: { definition, parentPath, label, updatedAt: new Date(), retiredAt: null },
    })
    .returning();
  return { created: !existing || existing.retiredAt !== null, job: job! };
}

/** Retiring twice is harmless: the first retirement's time stays. True when this call retired it. */
export async function retireJob(db: Db, path: string): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ retiredAt: new Date() })
    .where(and(eq(jobs.path, path), isNull(jobs.retiredAt)))
    .returning({ path: jobs.path });
  return rows.length > 0;
}

// A job written or retired through the API is audited with its actor in the same transaction: no
// change without its entry, no entry without its change. (A pull request's or branch's copy is
// written by the forge-event workflow from configuration, not by a caller.)

export async function saveJobAudited(
  db: Db,
  path: string,
  definition: Record<string, unknown>,
  actor: string,
): Promise<{ created: boolean; job: JobRow }> {
  return db.transaction(async (tx) => {
    const saved = await saveJob(tx, path, definition, null);
    await recordAudit(tx, { actor, action: saved.created ? 'job.create' : 'job.replace', subject: path });
    return saved;
  });
}

export async function retireJobAudited(db: Db, path: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    if (await retireJob(tx, path)) await recordAudit(tx, { actor, action: 'job.retire', subject: path });
  });
}
