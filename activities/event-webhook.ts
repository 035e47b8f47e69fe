import { createHmac } from 'node:crypto';
import { deploydbBody } from '../domain/event-deploydb.js';
import type { EventType } from '../domain/events.js';

// HTTP subscribers of outgoing events: one POST per event, JSON, signed. Headers:
// X-Slipway-Event (the type), X-Slipway-Delivery (the event id: the same on every retry, so a
// receiver dedupes on it) and X-Slipway-Signature: sha256=<hex HMAC-SHA256 of the exact body>.
// A 2xx answer is delivered; anything else, or no answer, is a failed attempt.

export interface OutgoingEvent {
  id: string;
  type: EventType;
  deploymentId: string | null;
  service: string;
  environment: string | null;
  version: string | null;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** The body a subscriber gets: Slipway's envelope, or DeployDB's deployment JSON (null: DeployDB has no such event). */
export function eventBody(e: OutgoingEvent, format: 'slipway' | 'deploydb'): string | null {
  if (format === 'deploydb') {
    const body = deploydbBody({ ...e, occurredAt: e.occurredAt.toISOString() });
    return body ? JSON.stringify(body) : null;
  }
  return JSON.stringify({
    id: e.id,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    deploymentId: e.deploymentId,
    service: e.service,
    environment: e.environment,
    version: e.version,
    data: e.payload,
  });
}

export const signature = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Why a request got no answer, in words that carry no URL (a subscriber's URL may hold a token). */
export function transportError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer within the timeout';
  const cause = (err as { cause?: { code?: string } }).cause;
  return `no answer: ${cause?.code ?? (err instanceof Error ? err.name : 'error')}`;
}

export async function postEvent(req: {
  url: string;
  secret: string;
  event: OutgoingEvent;
  body: string;
  timeoutMs: number;
}): Promise<SendResult> {
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Slipway-Events',
        'x-slipway-event': req.event.type,
        'x-slipway-delivery': req.event.id,
        'x-slipway-signature': signature(req.secret, req.body),
      },
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: null, error: transportError(err) };
  }
}
