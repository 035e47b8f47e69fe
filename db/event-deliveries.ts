import { and, desc, eq, inArray, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { EVENTS_CHANNEL } from './events.js';
import { eventDeliveries, events } from './schema.js';

// Deliveries of outbox events to their sinks. Dispatchers on any number of workers claim due rows
// side by side (FOR UPDATE SKIP LOCKED, then a lease); a deployment's events reach each sink in
// order: a delivery is claimable only when no earlier event of its deployment is still pending for
// that sink (delivered or dead lets the next one go).

export type DeliveryRow = typeof eventDeliveries.$inferSelect;
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** No earlier event of the same deployment is still pending for the same sink. */
const notBlocked = sql`not exists (select 1 from ${eventDeliveries} earlier
  where earlier.subscriber = ${eventDeliveries.subscriber} and earlier.deployment_id = ${eventDeliveries.deploymentId}
    and earlier.state = 'pending' and earlier.event_seq < ${eventDeliveries.eventSeq})`;

/**
 * Takes up to `limit` due deliveries of the given sinks, in event order (and DeployDB's order of
 * sinks within one event), for `leaseMs`: a claim never settled (its worker died) comes due again
 * when the lease runs out. The same delivery sent twice keeps its event id, so receivers dedupe.
 */
export async function claimDueDeliveries(
  db: Db,
  opts: { limit: number; leaseMs: number; subscribers?: string[] },
): Promise<DeliveryRow[]> {
  const d = eventDeliveries;
  const where: SQL[] = [eq(d.state, 'pending'), lte(d.nextAttemptAt, sql`now()`), notBlocked];
  if (opts.subscribers) where.push(inArray(d.subscriber, opts.subscribers));
  const claimable = db
    .select({ id: d.id })
    .from(d)
    .where(and(...where))
    .orderBy(d.eventSeq, d.position)
    .limit(opts.limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(d)
    .set({ nextAttemptAt: sql`now() + ${Math.max(1, Math.round(opts.leaseMs))} * interval '1 millisecond'` })
    .where(inArray(d.id, claimable))
    .returning();
  // RETURNING keeps no order: event order again (then the environment's sinks before the global ones).
  return rows.sort((a, b) => a.eventSeq - b.eventSeq || a.position - b.position);
}

/**
 * When the next claimable delivery is due (null: none), so an idle dispatcher sleeps just that
 * long. One waiting behind an earlier event of its deployment does not count: it becomes
 * claimable when that one is settled, by the dispatcher that settles it.
 */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<string | null>`min(${eventDeliveries.nextAttemptAt})` })
    .from(eventDeliveries)
    .where(and(eq(eventDeliveries.state, 'pending'), notBlocked));
  return row?.at ? new Date(row.at) : null;
}

export async function markDelivered(db: Db, ids: number[], status: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(eventDeliveries)
    .set({
      state: 'delivered',
      attempts: sql`${eventDeliveries.attempts} + 1`,
      lastStatus: status,
      lastError: null,
      deliveredAt: sql`now()`,
    })
    .where(and(inArray(eventDeliveries.id, ids), eq(eventDeliveries.state, 'pending')));
}

/** A failed attempt: pending again at `retryAt`, or dead (null) — given up. `error` never holds a secret. */
export async function markFailed(
  db: Db,
  id: number,
  failure: { status: number | null; error: string; retryAt: Date | null },
): Promise<void> {
  const dead = failure.retryAt === null;
  await db
    .update(eventDeliveries)
    .set({
      state: dead ? 'dead' : 'pending',
      attempts: sql`${eventDeliveries.attempts} + 1`,
      lastStatus: failure.status,
      lastError: failure.error.slice(0, 2000),
      ...(dead ? {} : { nextAttemptAt: failure.retryAt! }),
    })
    .where(and(eq(eventDeliveries.id, id), eq(eventDeliveries.state, 'pending')));
  // A dead delivery lets the deployment's next event go: wake the dispatchers for it.
  if (dead) await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
}

export interface DeliveryView extends DeliveryRow {
  eventType: string;
  service: string;
  environment: string | null;
  version: string | null;
  occurredAt: Date;
}

/** Newest first; `before` a delivery id, for paging. */
export async function listDeliveries(
  db: Db,
  f: { id?: number; state?: DeliveryState; subscriber?: string; before?: number; limit: number },
): Promise<DeliveryView[]> {
  const where: SQL[] = [];
  if (f.id) where.push(eq(eventDeliveries.id, f.id));
  if (f.state) where.push(eq(eventDeliveries.state, f.state));
  if (f.subscriber) where.push(eq(eventDeliveries.subscriber, f.subscriber));
  if (f.before) where.push(lt(eventDeliveries.id, f.before));
  const rows = await db
    .select({
      delivery: eventDeliveries,
      eventType: events.type,
      service: events.service,
      environment: events.environment,
      version: events.version,
      occurredAt: events.occurredAt,
    })
    .from(eventDeliveries)
    .innerJoin(events, eq(events.id, eventDeliveries.eventId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(eventDeliveries.id))
    .limit(f.limit);
  return rows.map(({ delivery, ...event }) => ({ ...delivery, ...event }));
}

export async function findDelivery(db: Db, id: number): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(eventDeliveries).where(eq(eventDeliveries.id, id));
  return row ?? null;
}

/**
 * A dead or delivered delivery back to pending, due now, with a fresh retry window; null when it is
 * pending already (or unknown). Its deployment's later events to this sink wait behind it again.
 */
export async function redeliver(db: Db, id: number): Promise<DeliveryRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(eventDeliveries)
      .set({ state: 'pending', nextAttemptAt: sql`now()`, retryFrom: sql`now()`, deliveredAt: null })
      .where(and(eq(eventDeliveries.id, id), inArray(eventDeliveries.state, ['dead', 'delivered'])))
      .returning();
    if (row) await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
    return row ?? null;
  });
}

/** Pending deliveries of sinks the configuration no longer names: dead, with the reason. */
export async function retireUnknownSinks(db: Db, known: string[]): Promise<void> {
  await db
    .update(eventDeliveries)
    .set({ state: 'dead', lastError: 'the sink is no longer configured' })
    .where(
      and(
        eq(eventDeliveries.state, 'pending'),
        known.length ? notInArray(eventDeliveries.subscriber, known) : undefined,
      ),
    );
}
