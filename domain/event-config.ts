import { z } from 'zod';
import { parseDuration } from './duration.js';
import { deploydbEventTypes } from './event-deploydb.js';
import { EventTypes, type EventType } from './events.js';

// Where Slipway's lifecycle events go (`events:` in the configuration): HTTP subscribers, each for
// some event types, of one environment or global, signed with an HMAC key held in an environment
// variable; and an optional Elasticsearch index of completed builds and deployments (Redis-CI's
// reporting). Delivery retries back off from `retry.initial` to `retry.max` and give up
// `retry.giveUpAfter` after the event (or after a redelivery request).

/** The delivery name the Elasticsearch sink's rows carry (a subscriber may not take it). */
export const ELASTICSEARCH_SINK = 'elasticsearch';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((n) => n !== ELASTICSEARCH_SINK, `"${ELASTICSEARCH_SINK}" is the Elasticsearch sink's own name`);
const duration = z.string().refine((s) => parseDuration(s) !== null, 'a duration such as "90s", "15m", "2h" or "7d"');

export const EventSubscriber = z.strictObject({
  name,
  url: z.url({ protocol: /^https?$/ }),
  /** Event types sent; absent → all (for the deploydb format: all that DeployDB has a name for). */
  events: z.array(z.enum(EventTypes)).min(1).optional(),
  /** Only this environment's events; absent → global (every event, those of no environment too). */
  environment: z.string().min(1).optional(),
  /** The environment variable holding the HMAC-SHA256 key of X-Slipway-Signature. */
  secretEnv: z.string().min(1),
  /** slipway: Slipway's own envelope; deploydb: DeployDB's webhook payload shapes. */
  format: z.enum(['slipway', 'deploydb']).default('slipway'),
});

export const ElasticsearchSink = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  index: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lower-case Elasticsearch index name')
    .default('slipway'),
  username: z.string().min(1).optional(),
  /** The environment variable holding the password (basic authentication with `username`). */
  passwordEnv: z.string().min(1).optional(),
});

export const RetryPolicy = z.strictObject({
  initial: duration.default('10s'),
  max: duration.default('1h'),
  giveUpAfter: duration.default('24h'),
});

export const EventsConfig = z
  .strictObject({
    subscribers: z.array(EventSubscriber).default([]),
    elasticsearch: ElasticsearchSink.optional(),
    retry: RetryPolicy.default({ initial: '10s', max: '1h', giveUpAfter: '24h' }),
  })
  .superRefine((events, ctx) => {
    const seen = new Set<string>();
    events.subscribers.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['subscribers', i, 'name'], message: `a second subscriber "${s.name}"` });
      seen.add(s.name);
    });
  });

export type EventSubscriber = z.infer<typeof EventSubscriber>;
export type ElasticsearchSink = z.infer<typeof ElasticsearchSink>;
export type EventsConfig = z.infer<typeof EventsConfig>;

export const defaultEventsConfig = (): EventsConfig => EventsConfig.parse({});

/** Elasticsearch indexes completed builds and deployments (Redis-CI's reporting). */
export const elasticsearchEventTypes: EventType[] = ['build.completed', 'deployment.completed', 'deployment.failed'];

export interface SinkRoute {
  name: string;
  eventTypes: EventType[];
  environment: string | null;
  position: number;
}

/**
 * Which sink gets which events, for the outbox's fan-out. Positions follow DeployDB's webhook
 * order: the environment's subscribers, then the global ones (each in configuration order), then
 * Elasticsearch.
 */
export function sinkRoutes(config: EventsConfig): SinkRoute[] {
  const scoped = config.subscribers.filter((s) => s.environment !== undefined);
  const global = config.subscribers.filter((s) => s.environment === undefined);
  const routes: SinkRoute[] = [...scoped, ...global].map((s, i) => ({
    name: s.name,
    eventTypes: s.events ?? (s.format === 'deploydb' ? deploydbEventTypes : [...EventTypes]),
    environment: s.environment ?? null,
    position: i,
  }));
  if (config.elasticsearch)
    routes.push({
      name: ELASTICSEARCH_SINK,
      eventTypes: elasticsearchEventTypes,
      environment: null,
      position: routes.length,
    });
  return routes;
}
