import { bulkIndex } from '../activities/elasticsearch.js';
import { eventBody, postEvent, type OutgoingEvent, type SendResult } from '../activities/event-webhook.js';
import type { Database } from '../db/client.js';
import {
  claimDueDeliveries,
  markDelivered,
  markFailed,
  nextDueAt,
  retireUnknownSinks,
  type DeliveryRow,
} from '../db/event-deliveries.js';
import { EVENTS_CHANNEL, eventsBySeq, syncSinkRoutes } from '../db/events.js';
import { ELASTICSEARCH_SINK, sinkRoutes, type EventsConfig, type EventSubscriber } from '../domain/event-config.js';
import { afterFailure, retryTiming } from '../domain/event-retry.js';
import type { EventType } from '../domain/events.js';
import { logger } from '../infra/logger.js';

// The dispatcher of outgoing events: a loop in every worker process (not a workflow per event).
// NOTIFY at an outbox commit wakes it, a periodic scan catches what a missed notice or a back-off
// left; it claims due deliveries (several workers claim side by side, see db/event-deliveries.ts),
// sends them, and records each outcome with its back-off or dead-letter. Secrets are read from the
// environment at send time and never logged, nor are subscriber URLs (they may carry tokens).

export interface DispatcherOptions {
  database: Pick<Database, 'db' | 'pubsub'>;
  config: EventsConfig;
  env?: NodeJS.ProcessEnv;
  /** Longest idle sleep between scans (default 5 s). */
  scanIntervalMs?: number;
  /** Deliveries claimed per round (default 100). */
  batch?: number;
  /** Rounds in flight at once in this process (default 4): claims never overlap, order holds (see db/event-deliveries.ts). */
  lanes?: number;
  /** Timeout of one POST or bulk request (default 10 s); the claim's lease is a little longer. */
  requestTimeoutMs?: number;
  random?: () => number;
}

export interface EventDispatcher {
  start(): Promise<void>;
  /** Wakes the loop now (tests, and the NOTIFY listener). */
  poke(): void;
  stop(): Promise<void>;
}

export function createEventDispatcher(opts: DispatcherOptions): EventDispatcher {
  const { db, pubsub } = opts.database;
  const env = opts.env ?? process.env;
  const timing = retryTiming(opts.config.retry);
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const scanMs = opts.scanIntervalMs ?? 5_000;
  const batch = opts.batch ?? 100;
  const subscribers = new Map<string, EventSubscriber>(opts.config.subscribers.map((s) => [s.name, s]));
  const sinks = [...subscribers.keys(), ...(opts.config.elasticsearch ? [ELASTICSEARCH_SINK] : [])];
  let running = false;
  const wakers = new Set<() => void>();
  let pokes = 0;
  let loop: Promise<unknown> | null = null;
  let unlisten: (() => Promise<void>) | null = null;

  const poke = () => {
    pokes++;
    for (const w of wakers) w();
  };

  /** Failures are recorded at once; successes are collected and marked in one UPDATE per round. */
  async function settle(d: DeliveryRow, result: SendResult, delivered: Map<number, number[]>): Promise<void> {
    if (result.ok) {
      delivered.set(result.status, [...(delivered.get(result.status) ?? []), d.id]);
      return;
    }
    const next = afterFailure(Date.now(), d.retryFrom.getTime(), d.attempts + 1, timing, opts.random);
    const retryAt = next.state === 'dead' ? null : new Date(next.nextAttemptAt);
    logger.warn(
      {
        subscriber: d.subscriber,
        delivery: d.id,
        event: d.eventId,
        status: result.status,
        error: result.error,
        dead: !retryAt,
      },
      retryAt ? 'event delivery failed; retrying' : 'event delivery failed; dead-lettered',
    );
    await markFailed(db, d.id, { status: result.status, error: result.error, retryAt });
  }

  async function sendHttp(d: DeliveryRow, e: OutgoingEvent, delivered: Map<number, number[]>): Promise<void> {
    const s = subscribers.get(d.subscriber)!;
    const secret = env[s.secretEnv];
    const body = eventBody(e, s.format);
    let result: SendResult;
    if (!secret)
      result = { ok: false, status: null, error: `the variable ${s.secretEnv} (the signing key) is not set` };
    else if (body === null) result = { ok: true, status: 204 };
    else result = await postEvent({ url: s.url, secret, event: e, body, timeoutMs });
    await settle(d, result, delivered);
  }

  async function sendElasticsearch(
    list: Array<[DeliveryRow, OutgoingEvent]>,
    delivered: Map<number, number[]>,
  ): Promise<void> {
    const es = opts.config.elasticsearch!;
    const password = es.passwordEnv ? env[es.passwordEnv] : undefined;
    const auth = es.username ? { username: es.username, password: password ?? '' } : undefined;
    const results = await bulkIndex(
      { url: es.url, index: es.index, auth, timeoutMs },
      list.map(([, e]) => e),
    );
    await Promise.all(list.map(([d, e]) => settle(d, results.get(e.id)!, delivered)));
  }

  async function round(): Promise<number> {
    const claimed = await claimDueDeliveries(db, { limit: batch, leaseMs: timeoutMs + 5_000, subscribers: sinks });
    if (claimed.length === 0) return 0;
    const rows = await eventsBySeq(db, [...new Set(claimed.map((d) => d.eventSeq))]);
    const bySeq = new Map(rows.map((r) => [r.seq, { ...r, type: r.type as EventType } satisfies OutgoingEvent]));
    const toEs = claimed
      .filter((d) => d.subscriber === ELASTICSEARCH_SINK)
      .map((d) => [d, bySeq.get(d.eventSeq)!] as [DeliveryRow, OutgoingEvent]);
    const delivered = new Map<number, number[]>();
    await Promise.all([
      ...claimed
        .filter((d) => d.subscriber !== ELASTICSEARCH_SINK)
        .map((d) => sendHttp(d, bySeq.get(d.eventSeq)!, delivered)),
      ...(toEs.length ? [sendElasticsearch(toEs, delivered)] : []),
    ]);
    for (const [status, ids] of delivered) await markDelivered(db, ids, status);
    return claimed.length;
  }

  async function idle(seen: number): Promise<void> {
    if (pokes !== seen) return;
    const due = await nextDueAt(db);
    // At least a moment: a lease just taken by another lane must not make this one spin.
    const ms = due ? Math.min(scanMs, Math.max(20, due.getTime() - Date.now())) : scanMs;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }

  async function run(): Promise<void> {
    while (running) {
      const seen = pokes;
      try {
        if ((await round()) > 0) continue;
        await idle(seen);
      } catch (err) {
        logger.error({ err }, 'event dispatcher round failed');
        await new Promise((r) => setTimeout(r, Math.min(scanMs, 1_000)));
      }
    }
  }

  return {
    async start() {
      await syncSinkRoutes(db, sinkRoutes(opts.config));
      await retireUnknownSinks(db, sinks);
      unlisten = await pubsub.listen(EVENTS_CHANNEL, poke);
      running = true;
      loop = Promise.all(Array.from({ length: opts.lanes ?? 4 }, () => run()));
    },
    poke,
    async stop() {
      running = false;
      for (const w of wakers) w();
      await unlisten?.();
      await loop;
    },
  };
}
