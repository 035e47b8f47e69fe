import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * LISTEN/NOTIFY on the same database, so any API replica hears what any worker stored. Payloads are
 * small JSON (ids, offsets: Postgres refuses 8000 bytes or more), never log text; a listener
 * re-reads the table, so coalesced or missed notifications lose nothing.
 */
export interface PubSub {
  notify(channel: string, payload: string): Promise<void>;
  /** Resolves once listening; the result stops it. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  pubsub: PubSub;
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 8000;

function checkPayload(channel: string, payload: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel))
    throw new Error(`pubsub channel ${JSON.stringify(channel)}: lower-case letters, digits and _ only`);
  if (Buffer.byteLength(payload) >= MAX_PAYLOAD_BYTES)
    throw new Error(
      `pubsub payload on ${channel} is ${Buffer.byteLength(payload)} bytes; Postgres allows less than ${MAX_PAYLOAD_BYTES}`,
    );
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * DATABASE_URL set → a Postgres server through postgres.js; unset → PGlite in `<dataDir>/pglite`.
 * Migrations run at open; drizzle's migrator records them, so opening twice is harmless.
 */
export async function openDatabase(opts: { url?: string; dataDir?: string; max?: number }): Promise<Database> {
  if (opts.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    const client = postgres(opts.url, { max: opts.max ?? 10, onnotice: () => {} });
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder });
    const pubsub: PubSub = {
      async notify(channel, payload) {
        checkPayload(channel, payload);
        await client.notify(channel, payload);
      },
      async listen(channel, onMessage) {
        checkPayload(channel, '');
        // postgres.js keeps one extra connection for all listeners and re-listens after a reconnect.
        const { unlisten } = await client.listen(channel, onMessage);
        return unlisten;
      },
    };
    return { db: db as unknown as Db, kind: 'postgres', pubsub, close: () => client.end({ timeout: 5 }) };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = join(opts.dataDir ?? 'data', 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const pubsub: PubSub = {
    async notify(channel, payload) {
      checkPayload(channel, payload);
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async listen(channel, onMessage) {
      checkPayload(channel, '');
      const unlisten = await client.listen(channel, onMessage);
      return () => unlisten();
    },
  };
  return { db: db as unknown as Db, kind: 'pglite', pubsub, close: () => client.close() };
}

export { schema };
