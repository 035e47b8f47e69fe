import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/** Used by health checks and tests: a trivial round trip. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
