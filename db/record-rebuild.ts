import type { Phase, OctopushStatus } from '../domain/statuses.js';
import type { Db } from './client.js';
import { rowState, transitionsOf } from './deployments.js';
import { appendEnvironmentEvents } from './environment-events.js';
import { deployments } from './schema.js';

/**
 * Rebuilds the environment record from the stored deployment snapshots (deployments projected before
 * the record existed, or a record truncated by hand). Appending is idempotent: a second run adds nothing.
 */
export async function rebuildEnvironmentRecord(db: Db): Promise<number> {
  const rows = await db.select().from(deployments);
  for (const row of rows) {
    const transitions = (await transitionsOf(db, row.id)).map((t) => ({
      seq: t.seq,
      from: t.fromStatus as OctopushStatus | null,
      to: t.toStatus as OctopushStatus,
      phase: t.phase as Phase,
      actor: t.actor,
      reason: t.reason,
      at: t.at.toISOString(),
    }));
    await appendEnvironmentEvents(db, { ...rowState(row), transitions });
  }
  return rows.length;
}
