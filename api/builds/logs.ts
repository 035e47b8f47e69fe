import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { UpgradeWebSocket } from 'hono/ws';
import { buildStatus, readBuildLog } from '../../db/build-logs.js';
import type { PubSub } from '../../db/client.js';
import { logger } from '../../infra/logger.js';
import { requireScope, type AuthEnv } from '../auth.js';
import { createBuildLogHub, followBuildLog, type FollowEvent } from './log-follow.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';

// A build's output: the whole text (or one command's), and the live stream as Server-Sent Events
// or WebSocket frames. Both streams replay after a chunk id, then follow until the build ends.
// EventSource cannot send headers: it authenticates with ?access_token=.

export interface BuildLogRouteOptions {
  /** Idle time before a heartbeat; 15 s unless a test wants it sooner. */
  heartbeatMs?: number;
}

/** Needs only the database and its pub/sub: pass `{ ...deps, pubsub: database.pubsub }`. */
export function buildLogRoutes(deps: Pick<ApiDeps, 'db'> & { pubsub: PubSub }, upgradeWebSocket: UpgradeWebSocket, opts: BuildLogRouteOptions = {}) {
  const hub = createBuildLogHub(deps.pubsub);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const app = new Hono<AuthEnv>();

  /** 404 unless the build exists; after the scope check, so strangers learn nothing. */
  const knownBuild = async (c: Context<AuthEnv>) => {
    requireScope(c, 'read');
    const id = c.req.param('id')!;
    if ((await buildStatus(deps.db, id)) === null) throw notFound(`build ${id}`);
    return id;
  };

  app.get('/v1/builds/:id/log', async (c) => {
    const id = await knownBuild(c);
    const stage = c.req.query('stage');
    const step = c.req.query('step');
    if ((stage === undefined) !== (step === undefined)) throw badRequest(stage === undefined ? 'stage' : 'step', 'give both stage and step, or neither');
    const commandKey = stage === undefined ? undefined : `${stage}/${step}`;
    const encoder = new TextEncoder();
    let afterId = 0;
    // Read page by page: a build's log may be many commands of up to the cap each.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const page = await readBuildLog(deps.db, id, { commandKey, afterId, limit: 200 });
        for (const chunk of page) controller.enqueue(encoder.encode(chunk.text));
        if (page.length < 200) controller.close();
        else afterId = page[page.length - 1]!.id;
      },
    });
    return c.body(body, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });

  app.get('/v1/builds/:id/logs/events', async (c) => {
    const id = await knownBuild(c);
    const after = resumeAfter(c.req.header('last-event-id') ?? c.req.query('after'));
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      const aborted = new AbortController();
      stream.onAbort(() => aborted.abort());
      const send = async (event: FollowEvent) => {
        if (event.type === 'log') await stream.writeSSE({ id: String(event.id), event: 'log', data: JSON.stringify({ command: event.command, offset: event.offset, text: event.text }) });
        else if (event.type === 'end') await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: event.status }) });
        else await stream.write(': heartbeat\n\n');
      };
      await followBuildLog({ db: deps.db, hub, buildId: id, after, heartbeatMs, signal: aborted.signal, send });
    }, async (err) => {
      logger.warn({ err, buildId: id }, 'build log event stream failed');
    });
  });

  app.get('/v1/builds/:id/logs/ws', async (c, next) => {
    await knownBuild(c);
    resumeAfter(c.req.query('after'));
    await next();
  }, upgradeWebSocket((c) => {
    const buildId = c.req.param('id') ?? '';
    const after = resumeAfter(c.req.query('after'));
    const aborted = new AbortController();
    return {
      onOpen(_event, ws) {
        const send = (event: FollowEvent) => { if (ws.readyState === 1) ws.send(JSON.stringify(event)); };
        followBuildLog({ db: deps.db, hub, buildId, after, heartbeatMs, signal: aborted.signal, send }).then(
          () => ws.close(1000, 'end'),
          (err: unknown) => { logger.warn({ err, buildId }, 'build log websocket failed'); ws.close(1011, 'log stream failed'); },
        );
      },
      onClose() {
        aborted.abort();
      },
    };
  }));

  return app;
}

/** A chunk id from Last-Event-ID or ?after=; absent → 0 (from the start). */
function resumeAfter(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) throw badRequest('after', 'a chunk id (a non-negative integer)');
  return Number(value);
}
