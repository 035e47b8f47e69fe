import { createRoute, z } from '@hono/zod-openapi';
import { findDelivery, listDeliveries, redeliver, type DeliveryView } from '../../db/event-deliveries.js';
import type { ApiDeps } from '../deps.js';
import { conflict, notFound } from '../errors.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, errorResponses, jsonResponse, v1App } from '../openapi.js';

// Deliveries of outgoing events to their sinks (HTTP subscribers, Elasticsearch). Listing needs
// the read scope: a delivery shows the sink's name, the event and the last outcome, never the
// sink's URL, key or the event's payload. Redelivery needs admin: it sends data out again.

const MAX_ID = Number.MAX_SAFE_INTEGER;
const Delivery = z
  .object({
    id: z.number(),
    eventId: z.string(),
    eventType: z.string(),
    subscriber: z.string(),
    state: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
    deploymentId: z.string().nullable(),
    service: z.string(),
    environment: z.string().nullable(),
    version: z.string().nullable(),
    occurredAt: z.string(),
  })
  .openapi('Delivery');

const IdParam = z.object({
  id: z.coerce
    .number({ error: 'a delivery id (a positive integer)' })
    .int('a delivery id (a positive integer)')
    .positive('a delivery id (a positive integer)')
    .max(MAX_ID, 'a delivery id (a positive integer)'),
});

const list = createRoute({
  method: 'get',
  path: '/',
  summary: 'Deliveries of outgoing events, newest first',
  request: {
    query: z.object({
      state: z.enum(['pending', 'delivered', 'dead']).optional(),
      subscriber: z.string().min(1).optional(),
      /** A delivery id: only older ones (the `next` of the previous page). */
      before: z.coerce.number().int().positive().max(MAX_ID).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ deliveries: z.array(Delivery), next: z.number().nullable() }),
      'Newest first; `next` is the `before` of the next page (null: none)',
    ),
    ...errorResponses,
  },
});

const again = createRoute({
  method: 'post',
  path: '/{id}/redeliver',
  security: bearer,
  summary: 'Send a dead or delivered delivery again, now (same event id), with a fresh retry window',
  request: { params: IdParam },
  responses: { 200: jsonResponse(Delivery, 'Pending again'), ...errorResponses },
});

function view(d: DeliveryView) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    subscriber: d.subscriber,
    state: d.state as 'pending' | 'delivered' | 'dead',
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    deploymentId: d.deploymentId,
    service: d.service,
    environment: d.environment,
    version: d.version,
    occurredAt: d.occurredAt.toISOString(),
  };
}

export function deliveryRoutes(deps: ApiDeps) {
  const app = v1App();

  app.openapi(list, async (c) => {
    requireScope(c, 'read');
    const q = c.req.valid('query');
    const rows = await listDeliveries(deps.db, q);
    const next = rows.length === q.limit ? rows.at(-1)!.id : null;
    return c.json({ deliveries: rows.map(view), next }, 200);
  });

  app.openapi(again, async (c) => {
    requireScope(c, 'admin');
    const { id } = c.req.valid('param');
    const row = await redeliver(deps.db, id);
    if (!row) {
      const existing = await findDelivery(deps.db, id);
      if (!existing) throw notFound(`delivery ${id}`);
      throw conflict(`delivery ${id} is pending already: it is sent when due`);
    }
    const [shown] = await listDeliveries(deps.db, { id, limit: 1 });
    return c.json(view(shown!), 200);
  });
  return app;
}
