import type { Db } from './client.js';
import { auditLog } from './schema.js';

// The audit log: who did what to which subject (token changes, queue pauses).

export async function recordAudit(
  db: Db,
  entry: { actor: string; action: string; subject: string; detail?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values(entry);
}
