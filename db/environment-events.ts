import { sql } from 'drizzle-orm';
import type { DeploymentState } from '../domain/deployment-state.js';
import { recordEventsOf } from '../domain/record-events.js';
import type { Db } from './client.js';
import { rowsOf } from './rows.js';
import { environmentEvents } from './schema.js';

// The environment x version record: append-only events (written in the transaction that projects a
// deployment) and the matrix of any moment, which is only ever a query over them.

/** Appends what this snapshot adds; events already recorded (same deployment, environment, kind, key) are kept as first written. */
export async function appendEnvironmentEvents(tx: Db, state: DeploymentState): Promise<void> {
  const events = recordEventsOf(state);
  if (events.length === 0) return;
  await tx
    .insert(environmentEvents)
    .values(events.map((e) => ({ ...e, at: new Date(e.at) })))
    .onConflictDoNothing();
}

export interface MatrixCell {
  service: string;
  environment: string;
  /** The version deployed there last, as of the moment asked; null when none yet. */
  version: string | null;
  deploymentId: string | null;
  deployedAt: string | null;
  /** Deployments standing in this environment at that moment: queued, deploying, or waiting (tests, Go Live, gates). */
  inFlight: Array<{
    deploymentId: string;
    version: string;
    kind: string;
    since: string;
    detail: Record<string, unknown> | null;
  }>;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/**
 * The matrix at `at` (now when absent): per (service, environment), the last version deployed by
 * then, and each unfinished deployment at the place its newest event by then puts it.
 */
export async function matrixAt(db: Db, at?: Date): Promise<MatrixCell[]> {
  // postgres.js binds strings: the moment goes as ISO text, cast where it is compared.
  const moment = (at ?? new Date()).toISOString();
  const deployed = rowsOf<Row>(
    await db.execute(sql`
    select distinct on (service, environment) service, environment, version, deployment_id, at
    from ${environmentEvents}
    where kind = 'deployed' and at <= ${moment}::timestamptz
    order by service, environment, at desc, seq desc`),
  );
  const standing = rowsOf<Row>(
    await db.execute(sql`
    select * from (
      select distinct on (deployment_id) deployment_id, service, environment, version, kind, detail, at
      from ${environmentEvents} e
      where at <= ${moment}::timestamptz
        and not exists (
          select 1 from ${environmentEvents} f
          where f.deployment_id = e.deployment_id and f.kind = 'finished' and f.at <= ${moment}::timestamptz)
      order by deployment_id, at desc, seq desc) latest
    order by at`),
  );
  const cells = new Map<string, MatrixCell>();
  const cell = (service: string, environment: string) => {
    const id = `${service}\u0000${environment}`;
    let c = cells.get(id);
    if (!c) {
      c = { service, environment, version: null, deploymentId: null, deployedAt: null, inFlight: [] };
      cells.set(id, c);
    }
    return c;
  };
  for (const r of deployed) {
    const c = cell(String(r.service), String(r.environment));
    c.version = String(r.version);
    c.deploymentId = String(r.deployment_id);
    c.deployedAt = iso(r.at);
  }
  for (const r of standing) {
    cell(String(r.service), String(r.environment)).inFlight.push({
      deploymentId: String(r.deployment_id),
      version: String(r.version),
      // Deployed and not finished: it waits there (its tests, a gate, Go Live) before moving on.
      kind: r.kind === 'deployed' ? 'waiting' : String(r.kind),
      since: iso(r.at),
      detail: (r.detail as Record<string, unknown> | null) ?? null,
    });
  }
  return [...cells.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.environment.localeCompare(b.environment),
  );
}
