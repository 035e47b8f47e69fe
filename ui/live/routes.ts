import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ApiDeps } from '../../api/deps.js';
import type { UiEnv } from '../env.js';
import { requireViewer } from '../guard.js';
import { createDeploymentFeed } from './deployment-feed.js';

// /ui/events: Server-Sent Events for live pages. Each deployment change is an event `deployment`
// with {id, service, seq}; a page re-fetches the fragments that show it (ui/static/live.js). A
// heartbeat comment keeps proxies from closing an idle stream; a closed tab unsubscribes at once.

export const eventsPath = '/ui/events';
const DEFAULT_HEARTBEAT_MS = 15_000;

export function livePages(deps: ApiDeps, opts: { heartbeatMs?: number } = {}): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const feed = createDeploymentFeed(deps.pubsub);
  const heartbeatMs = opts.heartbeatMs ?? deps.logHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  app.get(eventsPath, async (c) => {
    requireViewer(c, 'read');
    return streamSSE(c, async (stream) => {
      let unsubscribe: () => void = () => {};
      stream.onAbort(() => unsubscribe());
      unsubscribe = await feed.subscribe((change) => {
        void stream.writeSSE({ event: 'deployment', data: JSON.stringify(change) }).catch(() => unsubscribe());
      });
      try {
        // Tells the browser how soon to reconnect, and that the stream is open.
        await stream.write(`retry: 3000\n: connected\n\n`);
        while (!stream.aborted && !stream.closed) {
          await stream.sleep(heartbeatMs);
          if (!stream.aborted && !stream.closed) await stream.write(': heartbeat\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });

  return app;
}
