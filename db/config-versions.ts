import { desc, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { configVersions } from './schema.js';

// The configurations Slipway has run with, keyed by content hash. A version is written once: the
// same content loaded again (another replica, a restart) keeps its first row.

export interface ConfigVersionRow {
  version: string;
  loadedAt: Date;
  loadedBy: string;
  source: string;
  config: Record<string, unknown>;
}

/** Records a loaded configuration; true when this version is new. */
export async function recordConfigVersion(
  db: Db,
  entry: { version: string; loadedBy: string; source: string; config: Record<string, unknown> },
): Promise<boolean> {
  const inserted = await db.insert(configVersions).values(entry).onConflictDoNothing().returning();
  return inserted.length > 0;
}

export async function findConfigVersion(db: Db, version: string): Promise<ConfigVersionRow | null> {
  const [row] = await db.select().from(configVersions).where(eq(configVersions.version, version));
  return row ?? null;
}

/** The most recently first-loaded version: what ran before this process started. */
export async function latestConfigVersion(db: Db): Promise<ConfigVersionRow | null> {
  const [row] = await db.select().from(configVersions).orderBy(desc(configVersions.loadedAt)).limit(1);
  return row ?? null;
}
