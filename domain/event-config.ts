import { z } from 'zod';

// Outgoing events (issue 14): HTTP subscribers, per environment or global, and Elasticsearch.
// Secrets never live here: a subscriber names the variable holding its HMAC key.

export const Subscriber = z.strictObject({
  name: z.string().min(1),
  url: z.url(),
  /** Event types delivered; absent → all. */
  events: z.array(z.string().min(1)).optional(),
  /** Only this environment's events; absent → a global subscriber. */
  environment: z.string().min(1).optional(),
  secretEnv: z.string().min(1),
  format: z.enum(['slipway', 'deploydb']).default('slipway'),
});

export const EventsConfig = z.strictObject({
  subscribers: z.array(Subscriber).default([]),
  elasticsearch: z.strictObject({ url: z.url(), index: z.string().min(1).optional() }).optional(),
});

export type Subscriber = z.infer<typeof Subscriber>;
export type EventsConfig = z.infer<typeof EventsConfig>;
