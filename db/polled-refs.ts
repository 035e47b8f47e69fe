import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { polledRefs } from './schema.js';

// Heads of polled plain git repositories, as last seen by `git ls-remote`.

/** Branch → commit; null when the repository was never polled (its first poll starts no builds). */
export async function storedBranchHeads(db: Db, repo: string): Promise<Record<string, string> | null> {
  const rows = await db.select().from(polledRefs).where(eq(polledRefs.repo, repo));
  return rows.length ? Object.fromEntries(rows.map((r) => [r.ref, r.sha])) : null;
}

/** Replaces what was seen of the repository, in one transaction. */
export async function storeBranchHeads(db: Db, repo: string, heads: Record<string, string>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(polledRefs).where(eq(polledRefs.repo, repo));
    const rows = Object.entries(heads).map(([ref, sha]) => ({ repo, ref, sha }));
    if (rows.length) await tx.insert(polledRefs).values(rows);
  });
}
