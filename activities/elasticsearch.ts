import type { OutgoingEvent, SendResult } from './event-webhook.js';
import { transportError } from './event-webhook.js';

// Elasticsearch, Redis-CI's reporting store: completed builds and deployments are indexed through
// the _bulk API (NDJSON: an action line and a document line per event, ending in a newline). The
// event id is the document id, so indexing an event again overwrites the same document. Each item
// of the bulk answer succeeds or fails by itself; a failed item is retried alone.

export interface ElasticsearchTarget {
  url: string;
  index: string;
  /** Basic authentication; the password comes from the environment, never from configuration. */
  auth?: { username: string; password: string };
  timeoutMs: number;
}

/** The document of an event: its fields, its payload, and @timestamp for Kibana's time filter. */
export function eventDocument(e: OutgoingEvent): Record<string, unknown> {
  return {
    '@timestamp': e.occurredAt.toISOString(),
    eventId: e.id,
    type: e.type,
    deploymentId: e.deploymentId,
    service: e.service,
    environment: e.environment,
    version: e.version,
    ...e.payload,
  };
}

export function bulkBody(index: string, list: OutgoingEvent[]): string {
  return list
    .map((e) => `${JSON.stringify({ index: { _index: index, _id: e.id } })}\n${JSON.stringify(eventDocument(e))}\n`)
    .join('');
}

interface BulkItem {
  status: number;
  _id?: string;
  error?: { type?: string; reason?: string };
}

/** One result per event, by event id. */
export async function bulkIndex(target: ElasticsearchTarget, list: OutgoingEvent[]): Promise<Map<string, SendResult>> {
  const results = new Map<string, SendResult>();
  const failAll = (status: number | null, error: string) => {
    for (const e of list) results.set(e.id, { ok: false, status, error });
    return results;
  };
  let res: Response;
  try {
    res = await fetch(`${target.url.replace(/\/+$/, '')}/_bulk`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        ...(target.auth
          ? {
              authorization: `Basic ${Buffer.from(`${target.auth.username}:${target.auth.password}`).toString('base64')}`,
            }
          : {}),
      },
      body: bulkBody(target.index, list),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    return failAll(null, transportError(err));
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) return failAll(res.status, `bulk request: HTTP ${res.status}`);
  let items: Array<Record<string, BulkItem>>;
  try {
    items = (JSON.parse(text) as { items: Array<Record<string, BulkItem>> }).items;
  } catch {
    return failAll(res.status, 'bulk answer is not JSON');
  }
  // Items answer in request order; each is keyed by its action (index).
  list.forEach((e, i) => {
    const item = items[i] ? Object.values(items[i]!)[0] : undefined;
    if (!item) results.set(e.id, { ok: false, status: null, error: 'missing from the bulk answer' });
    else if (item.status >= 200 && item.status < 300) results.set(e.id, { ok: true, status: item.status });
    else
      results.set(e.id, {
        ok: false,
        status: item.status,
        error: `${item.error?.type ?? 'error'}: ${item.error?.reason ?? `status ${item.status}`}`.slice(0, 500),
      });
  });
  return results;
}
