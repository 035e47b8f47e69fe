import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import {
  claimDeliveries,
  markHanded,
  pruneHanded,
  recordFailure,
  releaseClaims,
  type ClaimedDelivery,
} from '../../db/webhook-inbox.js';
import { logger } from '../../infra/logger.js';
import { forgeEventStartOptions, forgeEventWorkflowType } from '../../workflows/forge-event.messages.js';

// The webhook relay: hands the deliveries the gateway wrote to the inbox to Temporal, so that the
// gateway answers after a database insert and never waits for a workflow start. Every API replica
// runs one; claims (db/webhook-inbox.ts) keep them from starting a delivery twice at the same
// time, and a start that finds the workflow already there (a redelivery from before the inbox, or
// a replica that died between start and bookkeeping) counts as handed: the workflow id is the
// dedupe, as it was when the gateway started workflows itself.

export interface WebhookRelay {
  /** A delivery was just inserted: look now rather than at the next sweep. */
  poke(): void;
  /** Stops claiming, waits for the starts in flight and gives back claims not yet tried. */
  close(): Promise<void>;
}

export interface WebhookRelayOptions {
  /** Workflow starts in flight at once. */
  concurrency: number;
  /** Deliveries claimed per query. */
  batchSize: number;
  /**
   * How long a claim holds. Longer than a batch can wait behind the starts in flight
   * (batchSize / concurrency + 1 start timeouts), so a live relay's claims never lapse.
   */
  leaseMs: number;
  /** One start's deadline: a hung Temporal call must not hold a claim past its lease. */
  startTimeoutMs: number;
  /** Idle relays look this often, for rows inserted by other replicas or left by a crash. */
  sweepMs: number;
  /** Back-off after the first failed start, doubled per failure up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Handed deliveries are forgotten after this long: a redelivery of an older one is accepted again. */
  retentionMs: number;
  /** How often a relay prunes (every replica does; the deletes do not conflict). */
  pruneEveryMs: number;
}

export const defaultRelayOptions: WebhookRelayOptions = {
  concurrency: 16,
  batchSize: 16,
  leaseMs: 30_000,
  startTimeoutMs: 10_000,
  sweepMs: 1_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  retentionMs: 30 * 24 * 3_600_000,
  pruneEveryMs: 3_600_000,
};

/** Delay before the next try of a delivery whose start failed `attempts` times. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

/** An error and its causes on one line: the SDK's "Failed to start Workflow" says why only in its cause. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = err;
    e !== undefined && e !== null && parts.length < 5;
    e = e instanceof Error ? e.cause : undefined
  ) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return parts.join(' <- ');
}

export interface WebhookRelayDeps {
  db: Db;
  temporal: Client;
  /** Task queue of the forgeEvent workflows (the workflow ids in the rows are scoped by it). */
  taskQueue: string;
}

export function startWebhookRelay(deps: WebhookRelayDeps, options: Partial<WebhookRelayOptions> = {}): WebhookRelay {
  const o = { ...defaultRelayOptions, ...options };
  const { db, temporal } = deps;
  let stopping = false;
  let poked = false;
  let wake: (() => void) | null = null;

  const start = (row: ClaimedDelivery, input: NonNullable<ClaimedDelivery['input']>) => {
    const parent = row.traceContext ? propagation.extract(ROOT_CONTEXT, row.traceContext) : ROOT_CONTEXT;
    return context.with(parent, () =>
      temporal.withDeadline(Date.now() + o.startTimeoutMs, () =>
        temporal.workflow.start(forgeEventWorkflowType, forgeEventStartOptions(row.workflowId, input, deps.taskQueue)),
      ),
    );
  };

  // Hand-offs are booked together: one UPDATE for every start that ended while the previous one
  // ran, not a round trip per delivery (on a small machine each one costs the API a context switch).
  const handedIds: string[] = [];
  let booking: Promise<void> | null = null;
  const book = async () => {
    for (let ids = handedIds.splice(0); ids.length > 0; ids = handedIds.splice(0)) {
      // Not booked: the claim lapses and the next start finds the workflow, which books it then.
      await markHanded(db, ids).catch((err: unknown) =>
        logger.error({ err, deliveries: ids.length }, 'could not book webhook hand-offs'),
      );
    }
    booking = null; // in the same step as the empty check: an id pushed later starts a new round
  };
  const bookHanded = (id: string) => {
    handedIds.push(id);
    booking ??= book();
  };

  /** Starts one delivery's workflow and books the outcome; never throws (a lapsed claim is the fallback). */
  const hand = async (row: ClaimedDelivery): Promise<void> => {
    let failure: string | null = null;
    try {
      if (!row.input) failure = 'the row has no workflow input';
      else await start(row, row.input);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) failure = describeError(err);
    }
    if (failure === null) {
      bookHanded(row.id);
      return;
    }
    try {
      const attempts = row.attempts + 1;
      const retryInMs = retryDelayMs(attempts, o.retryBaseMs, o.retryMaxMs);
      logger.warn(
        { delivery: row.id, workflowId: row.workflowId, attempts, retryInMs, error: failure },
        'could not hand a webhook delivery to Temporal; it stays in the inbox',
      );
      await recordFailure(db, row.id, failure, retryInMs);
    } catch (err) {
      // The claim lapses and the delivery is tried again.
      logger.error({ err, delivery: row.id }, 'could not book a failed webhook hand-off');
    }
  };

  /** Claims and hands deliveries, up to `concurrency` starts in flight, until a claim comes back short. */
  const drain = async (): Promise<void> => {
    const claimed: ClaimedDelivery[] = [];
    let exhausted = false;
    let refill: Promise<void> | null = null;
    const next = async (): Promise<ClaimedDelivery | undefined> => {
      while (claimed.length === 0 && !exhausted && !stopping) {
        refill ??= claimDeliveries(db, o.batchSize, o.leaseMs)
          .then((rows) => {
            claimed.push(...rows);
            exhausted = rows.length < o.batchSize;
          })
          .catch((err: unknown) => {
            exhausted = true;
            logger.error({ err }, 'could not claim webhook deliveries; retrying at the next sweep');
          })
          .finally(() => {
            refill = null;
          });
        await refill;
      }
      return stopping ? undefined : claimed.shift();
    };
    const lane = async () => {
      for (let row = await next(); row; row = await next()) await hand(row);
    };
    await Promise.all(Array.from({ length: o.concurrency }, lane));
    while (booking) await booking;
    if (claimed.length > 0) {
      await releaseClaims(
        db,
        claimed.map((r) => r.id),
      ).catch((err: unknown) => logger.warn({ err }, 'could not give back webhook claims; they lapse by themselves'));
    }
  };

  const idle = () =>
    new Promise<void>((resolve) => {
      if (poked || stopping) return resolve();
      const done = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, o.sweepMs);
      wake = done;
    });

  let prunedAt = 0;
  const prune = async () => {
    if (Date.now() - prunedAt < o.pruneEveryMs) return;
    prunedAt = Date.now();
    try {
      const pruned = await pruneHanded(db, o.retentionMs);
      if (pruned > 0) logger.info({ pruned }, 'forgot webhook deliveries handed over before the retention');
    } catch (err) {
      logger.warn({ err }, 'could not prune the webhook inbox; trying again later');
    }
  };

  const running = (async () => {
    while (!stopping) {
      poked = false;
      try {
        await drain();
      } catch (err) {
        logger.error({ err }, 'webhook relay pass failed; retrying at the next sweep');
      }
      await prune();
      await idle();
    }
  })();

  return {
    poke() {
      poked = true;
      wake?.();
    },
    async close() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}
