import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { differingFields } from '../domain/artifacts.js';
import type { Db } from './client.js';
import { recordArtifactEvent } from './events.js';
import { artifacts } from './schema.js';

// Artifact versions: registered by a build's `artifact:` or through the API (/v1, DeployDB's /api).
// A module and version is registered once and never changes.

export type ArtifactRow = typeof artifacts.$inferSelect;

/** The row's module: rows from before modules carry none and are their service's own artifact. */
const moduleOf = sql<string>`coalesce(${artifacts.module}, ${artifacts.service})`;
export const artifactModule = (row: ArtifactRow): string => row.module ?? row.service;

export interface NewArtifact {
  service: string;
  module: string;
  version: string;
  digest: string | null;
  commit: string | null;
  sourceUrl: string | null;
  buildId?: string | null;
  registeredBy: string;
}

/**
 * created: a new version ("artifact ready"). same: this very artifact was registered already (an
 * idempotent repeat). conflict: the module and version exist with other values (`differing`).
 */
export type Registration =
  { outcome: 'created' | 'same'; row: ArtifactRow } | { outcome: 'conflict'; row: ArtifactRow; differing: string[] };

/** One transaction: whatever else must happen exactly when a version is created belongs in it. */
export async function registerArtifact(db: Db, input: NewArtifact): Promise<Registration> {
  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(artifacts)
      .values({ ...input, buildId: input.buildId ?? null })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      await recordArtifactEvent(tx, {
        ...inserted,
        module: artifactModule(inserted),
        createdAt: inserted.createdAt.toISOString(),
      });
      return { outcome: 'created', row: inserted };
    }
    const row = (await findArtifact(tx, input.module, input.version))!;
    const differing = differingFields(
      {
        module: artifactModule(row),
        version: row.version,
        digest: row.digest,
        commit: row.commit,
        sourceUrl: row.sourceUrl,
      },
      input,
    );
    if (row.service !== input.service) differing.unshift('service');
    return differing.length ? { outcome: 'conflict', row, differing } : { outcome: 'same', row };
  });
}

export async function findArtifact(db: Db, module: string, version: string): Promise<ArtifactRow | null> {
  const [row] = await db
    .select()
    .from(artifacts)
    .where(and(eq(moduleOf, module), eq(artifacts.version, version)));
  return row ?? null;
}

export async function findArtifactById(db: Db, id: number): Promise<ArtifactRow | null> {
  if (!Number.isSafeInteger(id)) return null;
  const [row] = await db.select().from(artifacts).where(eq(artifacts.id, id));
  return row ?? null;
}

export interface ArtifactFilter {
  service?: string;
  module?: string;
  offset?: number;
  limit: number;
}

/** Newest first. */
export async function listArtifacts(db: Db, f: ArtifactFilter): Promise<ArtifactRow[]> {
  const where: SQL[] = [];
  if (f.service) where.push(eq(artifacts.service, f.service));
  if (f.module) where.push(eq(moduleOf, f.module));
  return db
    .select()
    .from(artifacts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(artifacts.id))
    .offset(f.offset ?? 0)
    .limit(f.limit);
}

/** The artifact a deployment of this service and version carries: of `module` when known, else any of the service's. */
export async function artifactOfDeployment(
  db: Db,
  service: string,
  version: string,
  module?: string,
): Promise<ArtifactRow | null> {
  const [row] = await db
    .select()
    .from(artifacts)
    .where(
      and(eq(artifacts.service, service), eq(artifacts.version, version), module ? eq(moduleOf, module) : undefined),
    )
    .orderBy(desc(artifacts.id))
    .limit(1);
  return row ?? null;
}
