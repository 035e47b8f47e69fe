import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler, TypedResponse } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { UpgradeWebSocket } from 'hono/ws';
import { buildStatus } from '../../db/build-logs.js';
import type { PubSub } from '../../db/client.js';
import { logger } from '../../infra/logger.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { errorResponses, v1App } from '../openapi.js';
import { followBuildLog, sharedBuildLogHub, type FollowEvent } from './log-follow.js';
import { rawLogStream } from './raw-log.js';

// A build's output: the whole text (or one command's), and the live stream as Server-Sent Events
// or WebSocket frames. Both streams replay after a chunk id, then follow until the build ends.
// EventSource cannot send headers: it authenticates with ?access_token=.

export interface BuildLogRouteOptions {
  /** Idle time before a heartbeat; 15 s unless a test wants it sooner. */
  heartbeatMs?: number;
}

const BuildId = z.object({ id: z.string() });
/** Resume after this chunk id; absent or empty: from the start. */
const ChunkId = z
  .string()
  .regex(/^(\d{1,15})?$/, 'a chunk id (a non-negative integer)')
  .optional();
const resumeAfter = (value: string | undefined) => Number(value ?? 0) || 0;

const text = createRoute({
  method: 'get',
  path: '/{id}/log',
  summary: 'The whole log as text; ?stage=&step= for one command',
  request: {
    params: BuildId,
    query: z.object({ stage: z.string().optional(), step: z.string().optional() }).superRefine((q, ctx) => {
      if ((q.stage === undefined) !== (q.step === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [q.stage === undefined ? 'stage' : 'step'],
          message: 'give both stage and step, or neither',
        });
    }),
  },
  responses: { 200: { description: 'The log', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses },
});
const events = createRoute({
  method: 'get',
  path: '/{id}/logs/events',
  summary: 'Live log as Server-Sent Events (log, end; a comment as heartbeat); resumes after Last-Event-ID or ?after=',
  request: { params: BuildId, headers: z.object({ 'last-event-id': ChunkId }), query: z.object({ after: ChunkId }) },
  responses: {
    200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
  },
});
const websocket = createRoute({
  method: 'get',
  path: '/{id}/logs/ws',
  summary: 'Live log over a WebSocket (JSON frames: log, end, heartbeat); resumes after ?after=',
  request: { params: BuildId, query: z.object({ after: ChunkId }) },
  responses: { 101: { description: 'Switching Protocols' }, ...errorResponses },
});

/** Needs only the database and its pub/sub: pass `{ ...deps, pubsub: database.pubsub }`. */
export function buildLogRoutes(
  deps: Pick<ApiDeps, 'db'> & { pubsub: PubSub },
  upgradeWebSocket: UpgradeWebSocket,
  opts: BuildLogRouteOptions = {},
) {
  const hub = sharedBuildLogHub(deps.pubsub);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const app = v1App();

  /** 404 unless the build exists; after the scope check, so strangers learn nothing. */
  const knownBuild = async (c: Context<AuthEnv>, id: string) => {
    requireScope(c, 'read');
    if ((await buildStatus(deps.db, id)) === null) throw notFound(`build ${id}`);
  };

  app.openapi(text, async (c) => {
    const { id } = c.req.valid('param');
    await knownBuild(c, id);
    const { stage, step } = c.req.valid('query');
    const commandKey = stage === undefined ? undefined : `${stage}/${step}`;
    const body = rawLogStream(deps.db, id, commandKey);
    // Streamed, so c.body(); zod-openapi expects a text/plain answer to come from c.text().
    return c.body(body, 200, { 'content-type': 'text/plain; charset=utf-8' }) as unknown as TypedResponse<
      string,
      200,
      'text'
    >;
  });

  app.openapi(events, async (c) => {
    const { id } = c.req.valid('param');
    await knownBuild(c, id);
    const after = resumeAfter(c.req.valid('header')['last-event-id'] ?? c.req.valid('query').after);
    c.header('x-accel-buffering', 'no');
    return streamSSE(
      c,
      async (stream) => {
        const aborted = new AbortController();
        stream.onAbort(() => aborted.abort());
        const send = async (event: FollowEvent) => {
          if (event.type === 'log')
            await stream.writeSSE({
              id: String(event.id),
              event: 'log',
              data: JSON.stringify({ command: event.command, offset: event.offset, text: event.text }),
            });
          else if (event.type === 'end')
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: event.status }) });
          else await stream.write(': heartbeat\n\n');
        };
        await followBuildLog({ db: deps.db, hub, buildId: id, after, heartbeatMs, signal: aborted.signal, send });
      },
      async (err) => {
        logger.warn({ err, buildId: id }, 'build log event stream failed');
      },
    );
  });

  const upgrade: MiddlewareHandler = upgradeWebSocket((c) => {
    const buildId = c.req.param('id') ?? '';
    const after = resumeAfter(c.req.query('after'));
    const aborted = new AbortController();
    return {
      onOpen(_event, ws) {
        const send = (event: FollowEvent) => {
          if (ws.readyState === 1) ws.send(JSON.stringify(event));
        };
        followBuildLog({ db: deps.db, hub, buildId, after, heartbeatMs, signal: aborted.signal, send }).then(
          () => ws.close(1000, 'end'),
          (err: unknown) => {
            logger.warn({ err, buildId }, 'build log websocket failed');
            ws.close(1011, 'log stream failed');
          },
        );
      },
      onClose() {
        aborted.abort();
      },
    };
  });

  app.openapi(websocket, async (c) => {
    await knownBuild(c, c.req.valid('param').id);
    // Not an upgrade request: nothing here answers it.
    return (await upgrade(c, async () => {})) ?? c.notFound();
  });

  return app;
}
