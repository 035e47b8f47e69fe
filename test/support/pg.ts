// A throw-away database per test file on the PostgreSQL server of DATABASE_URL (inject('databaseUrl')).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

function connect(url: string): postgres.Sql {
  return postgres(url, { max: 1, onnotice: () => {} });
}

/** Creates database `slipway_t_<random>` on the server of `baseUrl`; `drop()` ends its sessions and drops it (safe twice). */
export async function freshDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `slipway_t_${randomBytes(6).toString('hex')}`;
  const admin = connect(baseUrl);
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = connect(baseUrl);
      try {
        // Only our own client sessions: an autovacuum worker has no role, and terminating it needs a
        // superuser; DROP DATABASE stops autovacuum workers by itself.
        await sql`select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = ${name} and pid <> pg_backend_pid()
                    and backend_type = 'client backend' and usename = current_user`;
        await sql.unsafe(`drop database if exists "${name}"`);
      } finally {
        await sql.end();
      }
    },
  };
}
