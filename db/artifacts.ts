import { and, desc, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { recordArtifactEvent } from './events.js';
import { artifacts } from './schema.js';

// Artifact versions: registered by a build's `artifact:` or through the API.

export type ArtifactRow = typeof artifacts.$inferSelect;

/** The newest 200, of one service or of all. */
export async function listArtifacts(db: Db, service?: string): Promise<ArtifactRow[]> {
  return db
    .select()
    .from(artifacts)
    .where(service ? eq(artifacts.service, service) : undefined)
    .orderBy(desc(artifacts.id))
    .limit(200);
}

/** The same service and version again is a no-op: the first registration stays (and its artifact.registered event). */
export async function registerArtifact(
  db: Db,
  input: {
    service: string;
    version: string;
    digest?: string | null;
    commit: string | null;
    buildId?: string | null;
    registeredBy: string;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.insert(artifacts).values(input).onConflictDoNothing().returning();
    if (row) await recordArtifactEvent(tx, { ...row, createdAt: row.createdAt.toISOString() });
  });
}

export async function findArtifact(db: Db, service: string, version: string): Promise<ArtifactRow | null> {
  const [row] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.service, service), eq(artifacts.version, version)));
  return row ?? null;
}
