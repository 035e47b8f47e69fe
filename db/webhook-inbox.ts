import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { ForgeEventInput } from '../domain/forge-event-input.js';
import type { Db } from './client.js';
import { webhookDeliveries, webhookInbox } from './schema.js';

// The statements of the webhook inbox (db/schema.ts webhookInbox), shared by the gateway that
// fills it and the relay that empties it, and the record of what each delivery caused
// (webhookDeliveries). Times come from the database's clock (now()), so that replicas with
// skewed clocks agree on when a claim expires.

export interface InboxDelivery {
  forge: string;
  deliveryId: string;
  workflowId: string;
  input: ForgeEventInput;
  traceContext: Record<string, string> | null;
  /** SHA-256 of the signed body (the gateway's deliveries); a second row with it is a replay. */
  bodyHash?: string;
}

export interface ClaimedDelivery {
  id: string;
  workflowId: string;
  input: ForgeEventInput | null;
  traceContext: Record<string, string> | null;
  attempts: number;
  receivedAt: Date;
}

export const inboxId = (forge: string, deliveryId: string) => `${forge}:${deliveryId}`;

const later = (ms: number) => sql`now() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond'`;

/**
 * jsonb refuses the NUL character in strings, and a commit message or PR title may carry one: it
 * becomes U+FFFD (the replacement character) rather than costing the whole delivery.
 */
function withoutNul<T>(input: T): T {
  // Almost no delivery has one: copy only those that do.
  return JSON.stringify(input).includes('\\u0000') ? storable(input) : input;
}

function storable<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
  return value;
}

/**
 * One statement: true if the delivery is new, false if its id or its signed body was seen before
 * (a redelivery, or a captured delivery replayed under a new id).
 */
export async function insertDelivery(db: Db, d: InboxDelivery): Promise<boolean> {
  const inserted = await db
    .insert(webhookInbox)
    .values({
      id: inboxId(d.forge, d.deliveryId),
      forge: d.forge,
      deliveryId: d.deliveryId,
      workflowId: d.workflowId,
      input: withoutNul(d.input),
      traceContext: d.traceContext,
      bodyHash: d.bodyHash ?? null,
    })
    // No target: a clash on the primary key or on (forge, body_hash) both mean "seen before".
    .onConflictDoNothing()
    .returning({ id: webhookInbox.id });
  return inserted.length > 0;
}

/**
 * Takes up to `limit` pending deliveries, oldest first, for `leaseMs`. SKIP LOCKED lets relays of
 * several API replicas claim side by side without waiting for or repeating each other; a claim
 * that is never settled (its replica died) expires and the rows become claimable again.
 */
export async function claimDeliveries(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const claimable = db
    .select({ id: webhookInbox.id })
    .from(webhookInbox)
    .where(
      and(
        isNull(webhookInbox.handedAt),
        or(isNull(webhookInbox.claimedUntil), lt(webhookInbox.claimedUntil, sql`now()`)),
      ),
    )
    .orderBy(webhookInbox.receivedAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(webhookInbox)
    .set({ claimedUntil: later(leaseMs) })
    .where(inArray(webhookInbox.id, claimable))
    .returning({
      id: webhookInbox.id,
      workflowId: webhookInbox.workflowId,
      input: webhookInbox.input,
      traceContext: webhookInbox.traceContext,
      attempts: webhookInbox.attempts,
      receivedAt: webhookInbox.receivedAt,
    });
  // RETURNING keeps no order: oldest first again, so deliveries are handed over in arrival order.
  return rows.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
}

/** The workflow runs (or ran): the input is no longer needed. */
export async function markHanded(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(webhookInbox)
    .set({ handedAt: sql`now()`, input: null, traceContext: null, claimedUntil: null })
    .where(inArray(webhookInbox.id, ids));
}

/** A failed start: counted, explained, and not claimable again for `retryInMs`. */
export async function recordFailure(db: Db, id: string, error: string, retryInMs: number): Promise<void> {
  await db
    .update(webhookInbox)
    .set({
      attempts: sql`${webhookInbox.attempts} + 1`,
      lastError: error.slice(0, 2000),
      claimedUntil: later(retryInMs),
    })
    .where(and(eq(webhookInbox.id, id), isNull(webhookInbox.handedAt)));
}

/** Gives claims back unused (a relay stopping), so another relay need not wait for them to expire. */
export async function releaseClaims(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(webhookInbox)
    .set({ claimedUntil: null })
    .where(and(inArray(webhookInbox.id, ids), isNull(webhookInbox.handedAt)));
}

/**
 * Forgets deliveries handed over more than `olderThanMs` ago, at most `limit` per call: their
 * ids no longer dedupe a redelivery (the workflow id still does while Temporal keeps the run).
 * Pending deliveries are never pruned.
 */
export async function pruneHanded(db: Db, olderThanMs: number, limit = 10_000): Promise<number> {
  const old = db
    .select({ id: webhookInbox.id })
    .from(webhookInbox)
    .where(lt(webhookInbox.handedAt, sql`now() - ${Math.max(0, Math.round(olderThanMs))} * interval '1 millisecond'`))
    .limit(limit);
  const deleted = await db.delete(webhookInbox).where(inArray(webhookInbox.id, old)).returning({ id: webhookInbox.id });
  return deleted.length;
}

/** What a delivery caused, written by its workflow; a retry replaces the list of builds. */
export async function recordDelivery(
  db: Db,
  d: { id: string; forge: string; event: string; repo: string; summary: Record<string, unknown>; builds: string[] },
): Promise<void> {
  await db
    .insert(webhookDeliveries)
    .values(d)
    .onConflictDoUpdate({ target: webhookDeliveries.id, set: { builds: d.builds } });
}
