import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { AuditEntry } from '../domain/deployment-audit.js';
import type { Db } from './client.js';
import { auditLog } from './schema.js';

// The audit log: who did what to which subject, why, and what it was before and after (tokens,
// queue pauses, jobs, configuration, and each deployment's approvals, gate decisions, cancels and rollbacks).

export type AuditRow = typeof auditLog.$inferSelect;

export async function recordAudit(
  db: Db,
  entry: {
    actor: string;
    action: string;
    subject: string;
    detail?: Record<string, unknown>;
    reason?: string;
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  await db.insert(auditLog).values(entry);
}

/** Entries derived from state carry keys: those already recorded are left as they are. */
export async function appendKeyedAudit(db: Db, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insert(auditLog)
    .values(entries.map((e) => ({ ...e, at: new Date(e.at) })))
    .onConflictDoNothing();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  since?: Date;
  until?: Date;
  /** Entries with an id below this one (paging newest first). */
  before?: number;
  limit: number;
}

/** Newest first. */
export async function listAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (f.actor) where.push(eq(auditLog.actor, f.actor));
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.subject) where.push(eq(auditLog.subject, f.subject));
  if (f.since) where.push(gte(auditLog.at, f.since));
  if (f.until) where.push(lte(auditLog.at, f.until));
  if (f.before !== undefined) where.push(lt(auditLog.id, f.before));
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(f.limit);
}
