import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { DeploymentState } from '../domain/deployment-state.js';
import { finishedBuildStatuses, type BuildStatus } from '../domain/build-state.js';
import {
  artifactRegistered,
  buildCompleted,
  deploymentEvents,
  type EventArtifact,
  type NewEvent,
} from '../domain/events.js';
import type { Db } from './client.js';
import type { builds } from './schema.js';
import { artifacts, deployments, eventDeliveries, events, eventSubscribers } from './schema.js';

// The outbox of outgoing events. Callers pass the transaction of their state change, so an event
// exists exactly when the change does; its deliveries (one per matching sink) are written in the
// same transaction, and a NOTIFY (sent by Postgres only at commit) wakes the dispatchers.

export type EventRow = typeof events.$inferSelect;

/** The NOTIFY channel dispatchers listen on; the payload is empty (they re-read the table). */
export const EVENTS_CHANNEL = 'slipway_events';

/**
 * Appends events in the given order (their seq follows it); a key already stored is skipped, so
 * deriving the same facts again adds nothing. Returns the events that were new.
 */
export async function appendEvents(db: Db, list: NewEvent[]): Promise<EventRow[]> {
  if (list.length === 0) return [];
  const inserted = await db
    .insert(events)
    .values(
      list.map((e) => ({
        key: e.key,
        type: e.type,
        deploymentId: e.deploymentId,
        service: e.service,
        environment: e.environment,
        version: e.version,
        payload: e.payload,
        occurredAt: new Date(e.occurredAt),
      })),
    )
    .onConflictDoNothing({ target: events.key })
    .returning();
  if (inserted.length === 0) return [];
  const fannedOut = await db.execute(sql`
    insert into ${eventDeliveries} (event_id, event_seq, deployment_id, subscriber, position, retry_from)
    select e.id, e.seq, e.deployment_id, s.name, s.position, now()
      from ${events} e
      join ${eventSubscribers} s
        on e.type = any(s.event_types) and (s.environment is null or s.environment = e.environment)
     where e.seq in (${sql.join(
       inserted.map((e) => sql`${e.seq}`),
       sql`, `,
     )})
    on conflict do nothing`);
  if (affected(fannedOut) > 0) await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
  return inserted.sort((a, b) => a.seq - b.seq);
}

/** Rows an INSERT without RETURNING touched, from postgres.js (count) or PGlite (affectedRows). */
function affected(result: unknown): number {
  const r = result as { count?: number; affectedRows?: number };
  return r.count ?? r.affectedRows ?? 0;
}

export async function artifactForEvents(db: Db, service: string, version: string): Promise<EventArtifact | null> {
  const [a] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.service, service), eq(artifacts.version, version)));
  return a ? { ...a, module: a.module ?? a.service, createdAt: a.createdAt.toISOString() } : null;
}

/** The events a deployment snapshot implies, written in the snapshot's transaction (db/deployments.ts). */
export async function recordDeploymentEvents(tx: Db, state: DeploymentState): Promise<void> {
  const [row] = await tx
    .select({ createdAt: deployments.createdAt })
    .from(deployments)
    .where(eq(deployments.id, state.id));
  const artifact = await artifactForEvents(tx, state.service, state.version);
  const now = new Date().toISOString();
  await appendEvents(
    tx,
    deploymentEvents(state, { createdAt: (row?.createdAt ?? new Date()).toISOString(), artifact, now }),
  );
}

/** artifact.registered, written in the registration's transaction (db/artifacts.ts). */
export async function recordArtifactEvent(tx: Db, a: EventArtifact): Promise<void> {
  await appendEvents(tx, [artifactRegistered(a)]);
}

export async function eventsBySeq(db: Db, seqs: number[]): Promise<EventRow[]> {
  if (seqs.length === 0) return [];
  return db.select().from(events).where(inArray(events.seq, seqs));
}

export interface SinkRoute {
  name: string;
  eventTypes: string[];
  environment: string | null;
  position: number;
}

/**
 * Makes the fan-out table match the configuration: sinks named there are upserted, others removed
 * (their pending deliveries stay, and are dead-lettered by the dispatcher, which no longer knows them).
 */
export async function syncSinkRoutes(db: Db, routes: SinkRoute[]): Promise<void> {
  await db.transaction(async (tx) => {
    const names = routes.map((r) => r.name);
    await tx.delete(eventSubscribers).where(names.length ? notInArray(eventSubscribers.name, names) : undefined);
    for (const r of routes)
      await tx
        .insert(eventSubscribers)
        .values(r)
        .onConflictDoUpdate({
          target: eventSubscribers.name,
          set: { eventTypes: r.eventTypes, environment: r.environment, position: r.position, syncedAt: new Date() },
        });
  });
}

/** build.completed once a build's stored status is final, in the transaction that stores it (db/builds.ts). */
export async function recordBuildEvent(tx: Db, b: typeof builds.$inferSelect): Promise<void> {
  if (!finishedBuildStatuses.has(b.status as BuildStatus)) return;
  await appendEvents(tx, [
    buildCompleted({
      id: b.id,
      jobPath: b.jobPath,
      number: b.number,
      status: b.status,
      reason: b.reason,
      commit: b.commit,
      ref: b.ref,
      triggeredBy: b.triggeredBy,
      startedAt: b.startedAt?.toISOString() ?? null,
      finishedAt: (b.finishedAt ?? new Date()).toISOString(),
    }),
  ]);
}
