import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db, PubSub } from './client.js';
import { buildLogChunks, builds } from './schema.js';

// Build output in build_log_chunks (the source of truth, read by any API replica), and the two
// notifications its followers wait on: `build_logs` when a chunk is stored, `build_status` when a
// build finishes. Notifications carry ids only; a follower re-reads the table, so a coalesced or
// lost notification delays a line, never loses one.

export interface LogChunk {
  id: number;
  commandKey: string;
  offset: number;
  text: string;
}

/** Payload of a `build_logs` notification. */
export interface BuildLogNotice {
  buildId: string;
  id: number;
}

/** A build's chunks in the order they were stored; page with `afterId` + `limit`. */
export async function readBuildLog(
  db: Db,
  buildId: string,
  opts: { commandKey?: string; afterId?: number; limit?: number } = {},
): Promise<LogChunk[]> {
  const query = db
    .select({
      id: buildLogChunks.id,
      commandKey: buildLogChunks.commandKey,
      offset: buildLogChunks.offset,
      text: buildLogChunks.text,
    })
    .from(buildLogChunks)
    .where(
      and(
        eq(buildLogChunks.buildId, buildId),
        opts.commandKey !== undefined ? eq(buildLogChunks.commandKey, opts.commandKey) : undefined,
        opts.afterId !== undefined ? gt(buildLogChunks.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(buildLogChunks.id));
  return opts.limit !== undefined ? query.limit(opts.limit) : query;
}

/**
 * A build's last `limit` chunks, oldest first, and whether earlier ones exist: what a page shows of
 * a long log (the whole text is one download away).
 */
export async function readBuildLogTail(
  db: Db,
  buildId: string,
  limit: number,
): Promise<{ chunks: LogChunk[]; earlier: boolean }> {
  const rows = await db
    .select({
      id: buildLogChunks.id,
      commandKey: buildLogChunks.commandKey,
      offset: buildLogChunks.offset,
      text: buildLogChunks.text,
    })
    .from(buildLogChunks)
    .where(eq(buildLogChunks.buildId, buildId))
    .orderBy(desc(buildLogChunks.id))
    .limit(limit + 1);
  return { chunks: rows.slice(0, limit).reverse(), earlier: rows.length > limit };
}

/** How many bytes of one command's log are stored (where a retried attempt resumes). */
export async function storedLogBytes(db: Db, buildId: string, commandKey: string): Promise<number> {
  const [row] = await db
    .select({
      end: sql`coalesce(max(${buildLogChunks.offset} + octet_length(${buildLogChunks.text})), 0)`.mapWith(Number),
    })
    .from(buildLogChunks)
    .where(and(eq(buildLogChunks.buildId, buildId), eq(buildLogChunks.commandKey, commandKey)));
  return row?.end ?? 0;
}

/**
 * Stores one chunk at its byte offset in the command's log; the chunk's id, or null when that offset
 * was stored already (by an earlier attempt: the unique (build, command, offset) index makes it a no-op).
 */
export async function insertLogChunk(
  db: Db,
  chunk: Omit<LogChunk, 'id'> & { buildId: string },
): Promise<number | null> {
  const [row] = await db
    .insert(buildLogChunks)
    .values(chunk)
    .onConflictDoNothing()
    .returning({ id: buildLogChunks.id });
  return row?.id ?? null;
}

export async function notifyLogChunk(pubsub: PubSub, notice: BuildLogNotice): Promise<void> {
  await pubsub.notify('build_logs', JSON.stringify(notice));
}

/** Sent once a finished build's status is stored, after its last chunk. */
export async function notifyBuildStatus(pubsub: PubSub, buildId: string, status: string): Promise<void> {
  await pubsub.notify('build_status', JSON.stringify({ buildId, status }));
}

/**
 * Listens on both channels, telling `on` which build a notification was about ('log': a chunk was
 * stored, 'status': it finished); resolves once listening, with the function that stops it.
 */
export async function listenBuildLogs(
  pubsub: PubSub,
  on: (what: 'log' | 'status', buildId: string) => void,
): Promise<() => Promise<void>> {
  const dispatch = (what: 'log' | 'status') => (payload: string) => {
    let buildId: unknown;
    try {
      buildId = (JSON.parse(payload) as { buildId?: unknown }).buildId;
    } catch {
      return;
    }
    if (typeof buildId === 'string') on(what, buildId);
  };
  const stopLogs = await pubsub.listen('build_logs', dispatch('log'));
  const stopStatus = await pubsub.listen('build_status', dispatch('status')).catch(async (err: unknown) => {
    await stopLogs();
    throw err;
  });
  return async () => {
    await stopLogs();
    await stopStatus();
  };
}

/** The build's status, which a follower ends on once it is a finished one; null: no such build (any more). */
export async function buildStatus(db: Db, buildId: string): Promise<string | null> {
  const [row] = await db.select({ status: builds.status }).from(builds).where(eq(builds.id, buildId));
  return row?.status ?? null;
}
