import { context, propagation } from '@opentelemetry/api';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import { insertDelivery } from '../../db/webhook-inbox.js';
import { normalizeForgeEvents } from '../../domain/forge-events.js';
import { logger } from '../../infra/logger.js';
import { forgeEventWorkflowId, type ForgeEventInput } from '../../workflows/forge-event.messages.js';
import type { ApiDeps } from '../deps.js';
import { bodyByReference, ErrorSchema, jsonResponse, validationHook } from '../openapi.js';
import { createRateLimiter } from './rate-limit.js';
import { deliverySecret, payloadRepository } from './delivery-secret.js';
import { bodyHash, deliveryId, eventType, verifyDelivery } from './verify.js';
import type { WebhookRelay } from './relay.js';

// The webhook gateway: rate-limit, verify, normalize, record in the inbox, answer 202. The answer
// waits for one Postgres insert, never for Temporal: the relay (api/hooks/relay.ts) starts the
// delivery's workflow right after, and keeps the delivery until Temporal takes it. The inbox's
// primary key (forge and delivery id) makes a redelivery a no-op, and its (forge, body hash) index
// a captured delivery replayed under a new id. The signature is checked over the raw bytes; the
// route documents the body, the vendor's normalizer reads it.

const error = (code: string, message: string, field?: string) => ({
  error: { code, message, ...(field ? { field } : {}) },
});

/** The payload as the vendor sends it: JSON, or GitHub's form encoding with the JSON in `payload`. */
const ForgeEvent = z.record(z.string(), z.unknown()).openapi({ description: "The vendor's event payload" });
const optional = (description: string) => z.string().optional().openapi({ description });
const Answer = z
  .object({
    status: z.enum(['accepted', 'duplicate', 'ignored']),
    delivery: z.string(),
    events: z.number().int().optional(),
    reason: z.string().optional(),
  })
  .openapi('DeliveryAnswer');

const delivery = createRoute({
  method: 'post',
  path: '/{forge}',
  summary: "A forge's webhook delivery: checked against the vendor's signature, recorded, answered 202",
  request: {
    params: z.object({ forge: z.string().openapi({ description: 'a forge named in the configuration (forges:)' }) }),
    headers: z.object({
      'x-hub-signature-256': optional('GitHub: HMAC-SHA256 of the body'),
      'x-gitlab-token': optional('GitLab: the shared secret'),
      'x-gitea-signature': optional('Gitea: HMAC-SHA256 hex of the body'),
      'x-hub-signature': optional('Bitbucket Cloud: sha256=<HMAC hex>'),
      'x-github-event': optional('GitHub event'),
      'x-gitlab-event': optional('GitLab event'),
      'x-gitea-event': optional('Gitea event'),
      'x-event-key': optional('Bitbucket event'),
    }),
    body: bodyByReference('ForgeEvent', ['application/json', 'application/x-www-form-urlencoded']),
  },
  responses: {
    202: jsonResponse(Answer, 'Accepted, a duplicate of a recorded delivery, or ignored (with the reason)'),
    400: jsonResponse(ErrorSchema, 'The body is not JSON'),
    401: jsonResponse(ErrorSchema, 'The signature is missing or does not match, or the forge has no secret'),
    404: jsonResponse(ErrorSchema, 'No forge of that name is configured'),
    429: jsonResponse(ErrorSchema, 'Too many deliveries a minute from this address; see Retry-After'),
    503: jsonResponse(ErrorSchema, 'The delivery could not be recorded; redeliver it'),
  },
});

/** JSON, or GitHub's form encoding with the JSON in `payload`; parsed before the signature check only to learn whose secret applies. */
function parsePayload(contentType: string, body: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    const text = Buffer.from(body).toString('utf8');
    const json = contentType.includes('x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') : text;
    return { ok: true, value: JSON.parse(json ?? '') };
  } catch {
    return { ok: false };
  }
}

export function forgeRoutes(deps: ApiDeps, relay: Pick<WebhookRelay, 'poke'>) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openAPIRegistry.register('ForgeEvent', ForgeEvent);
  const limiter = createRateLimiter();

  app.openapi(delivery, async (c) => {
    const name = c.req.valid('param').forge;
    const forge = Object.hasOwn(deps.config.forges, name) ? deps.config.forges[name] : undefined;
    if (!forge) return c.json(error('not_found', `no forge "${name}" is configured`), 404);
    const header = (h: string) => c.req.header(h);
    // The limit comes before anything is read or hashed: a flood of forged deliveries from one
    // address costs a bucket lookup each once over the limit, never an HMAC.
    let source = 'unknown';
    try {
      source = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      /* not behind node-server (tests with app.request) */
    }
    const allowed = limiter.take(`${name}:${source}`, forge.rateLimitPerMinute);
    if (!allowed.ok) {
      c.header('Retry-After', String(allowed.retryAfterSeconds));
      return c.json(
        error('rate_limited', `more than ${forge.rateLimitPerMinute} deliveries a minute from ${source}`),
        429,
      );
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    const payload = parsePayload(header('content-type') ?? '', body);
    const named = payload.ok ? payloadRepository(forge.vendor, payload.value) : undefined;
    const key = deliverySecret(deps.config, name, forge, named, deps.secret);
    if (!key.ok) {
      logger.error({ forge: name, variable: key.variable }, 'webhook secret variable is not set: refusing deliveries');
      return c.json(error('unauthorized', `${key.owner} has no webhook secret configured`), 401);
    }
    const verdict = verifyDelivery(forge.vendor, header, body, key.secret);
    if (!verdict.ok) {
      logger.warn({ forge: name, reason: verdict.reason }, 'webhook refused');
      return c.json(error('unauthorized', verdict.reason), 401);
    }
    if (!payload.ok) return c.json(error('invalid', 'the body is not JSON', 'body'), 400);
    const type = eventType(forge.vendor, header);
    const id = deliveryId(forge.vendor, header, body);
    const normalized = normalizeForgeEvents(forge.vendor, type, payload.value);
    if (!normalized.ok) return c.json({ status: 'ignored' as const, reason: normalized.ignored, delivery: id }, 202);
    const repo = normalized.events[0]!.repo.fullName;
    // The secret was chosen for the repository the payload names: act on events of no other.
    if (normalized.events.some((e) => e.repo.fullName !== named))
      return c.json(
        { status: 'ignored' as const, reason: `the events name another repository than ${named}`, delivery: id },
        202,
      );
    const rule = Object.hasOwn(deps.config.repositories, repo) ? deps.config.repositories[repo] : undefined;
    if (!rule || rule.forge !== name)
      return c.json(
        { status: 'ignored' as const, reason: `repository ${repo} is not linked to any job`, delivery: id },
        202,
      );
    const input: ForgeEventInput = {
      forge: name,
      deliveryId: id,
      eventType: type,
      events: normalized.events,
      rule,
      publicUrl: deps.publicUrl ?? null,
      statuses: Boolean(forge.apiUrl),
      heartbeatMs: deps.heartbeatMs,
    };
    const trace: Record<string, string> = {};
    propagation.inject(context.active(), trace);
    let fresh: boolean;
    try {
      fresh = await insertDelivery(deps.db, {
        forge: name,
        deliveryId: id,
        workflowId: forgeEventWorkflowId(deps.taskQueue, name, id),
        input,
        traceContext: Object.keys(trace).length ? trace : null,
        bodyHash: bodyHash(body),
      });
    } catch (err) {
      logger.error({ err, forge: name, delivery: id }, 'could not record a delivery in the inbox');
      return c.json(error('unavailable', 'the delivery could not be recorded; redeliver it'), 503);
    }
    if (!fresh) return c.json({ status: 'duplicate' as const, delivery: id }, 202);
    relay.poke();
    return c.json({ status: 'accepted' as const, delivery: id, events: normalized.events.length }, 202);
  });
  return app;
}
