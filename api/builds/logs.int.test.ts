import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { insertLogChunk, notifyBuildStatus, notifyLogChunk } from '../../db/build-logs.js';
import { openDatabase, type Database } from '../../db/client.js';
import { builds } from '../../db/schema.js';
import { createToken } from '../../db/tokens.js';
import { freshDatabase } from '../../test/support/pg.js';
import { authenticate, type AuthEnv } from '../middleware/auth.js';
import { onError } from '../errors.js';
import { buildLogRoutes } from './logs.js';

// The log routes over real HTTP: the worker side stores and announces chunks on one connection pool
// (as the log sink, activities/build-logs.ts, does), the API reads and follows on another (as two
// processes would), with LISTEN/NOTIFY between them.

let pg: Awaited<ReturnType<typeof freshDatabase>>;
let worker: Database;
let api: Database;
let server: Server;
let url: string;
let token: string;
let n = 0;

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes the build's row with `status`, as the build store does (an upsert: the row's first write or a later one). */
async function storeBuild(id: string, status: string) {
  const row = {
    id,
    jobPath: 'team/service/api',
    number: Number(id.split('-')[1]),
    status,
    definition: {},
    triggeredBy: 'test',
  };
  await worker.db.insert(builds).values(row).onConflictDoUpdate({ target: builds.id, set: { status } });
}

async function newBuild(): Promise<string> {
  const id = `build-${++n}`;
  await storeBuild(id, 'running');
  return id;
}

/** One command's log, as the worker's sink writes it: each write one chunk at its byte offset, then its notice. */
async function open(buildId: string, commandKey = 'unit-tests/lint') {
  let offset = 0;
  return {
    async write(text: string) {
      const id = await insertLogChunk(worker.db, { buildId, commandKey, offset, text });
      offset += Buffer.byteLength(text);
      await notifyLogChunk(worker.pubsub, { buildId, id: id! });
    },
    async end() {},
  };
}

async function finish(buildId: string, status: string) {
  await storeBuild(buildId, status);
  await notifyBuildStatus(worker.pubsub, buildId, status);
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** fetch + a minimal SSE parser: events land in `events` as they arrive. */
async function openSse(path: string, headers: Record<string, string> = {}) {
  const aborter = new AbortController();
  const res = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: aborter.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: SseEvent = {};
    for await (const bytes of res.body! as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (Object.keys(current).length > 0) events.push(current);
          current = {};
        } else if (line.startsWith(':')) {
          events.push({ comment: line.slice(1).trim() });
        } else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon) as 'id' | 'event' | 'data';
          const value = line.slice(colon + 1).replace(/^ /, '');
          current[field] = field === 'data' && current.data !== undefined ? `${current.data}\n${value}` : value;
        }
      }
    }
  })().catch((err: unknown) => {
    if (!aborter.signal.aborted) throw err;
  });
  const logs = () =>
    events
      .filter((e) => e.event === 'log')
      .map((e) => ({
        id: Number(e.id),
        ...(JSON.parse(e.data!) as { command: string; offset: number; text: string }),
      }));
  return { events, logs, done: pump, close: () => aborter.abort() };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function openWs(path: string): Promise<{ socket: WebSocket; frames: any[]; closed: Promise<number> }> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, frames, closed };
}

beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  worker = await openDatabase({ url: pg.url });
  api = await openDatabase({ url: pg.url });
  token = (await createToken(api.db, 'viewer', ['read'], 'test')).token;

  const app = new Hono<AuthEnv>();
  app.use(authenticate(api.db, []));
  app.route('/v1/builds', buildLogRoutes({ db: api.db, pubsub: api.pubsub }, upgradeWebSocket, { heartbeatMs: 200 }));
  app.onError(onError);
  const wss = new WebSocketServer({ noServer: true });
  await new Promise<void>((resolve) => {
    server = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: wss } },
      (info: AddressInfo) => {
        url = `http://127.0.0.1:${info.port}`;
        resolve();
      },
    ) as Server;
  });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await worker?.close();
  await api?.close();
  await pg?.drop();
});

describe('build log routes', () => {
  it('streams live chunks as SSE, resumes after Last-Event-ID without gaps or repeats, and ends with the status', async () => {
    const id = await newBuild();
    const writer = await open(id);
    const first = await openSse(`/v1/builds/${id}/logs/events`);
    await eventually(() => first.events.some((e) => e.comment === 'heartbeat'), 'a heartbeat while idle');
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
    for (const line of lines.slice(0, 20)) await writer.write(line);
    await eventually(
      () =>
        first
          .logs()
          .map((l) => l.text)
          .join('') === lines.slice(0, 20).join(''),
      'the first lines, live',
    );
    first.close();
    const seen = first.logs();

    for (const line of lines.slice(20)) await writer.write(line);
    await writer.end();
    const second = await openSse(`/v1/builds/${id}/logs/events`, {
      'last-event-id': String(seen[seen.length - 1]!.id),
    });
    await eventually(
      () =>
        second
          .logs()
          .map((l) => l.text)
          .join('') === lines.slice(20).join(''),
      'the rest after reconnecting',
    );
    const all = [...seen, ...second.logs()];
    expect(new Set(all.map((l) => l.id)).size).toBe(all.length);
    expect(all.map((l) => l.text).join('')).toBe(lines.join(''));
    expect(all.every((l) => l.command === 'unit-tests/lint')).toBe(true);

    await finish(id, 'succeeded');
    await second.done;
    expect(second.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ status: 'succeeded' }) });
  });

  it('replays a finished build from ?after= and ends at once', async () => {
    const id = await newBuild();
    const writer = await open(id);
    for (const line of ['a\n', 'b\n']) {
      await writer.write(line);
      await new Promise((r) => setTimeout(r, 40));
    }
    await writer.end();
    await finish(id, 'failed');
    const whole = await openSse(`/v1/builds/${id}/logs/events`);
    await whole.done;
    const [firstChunk] = whole.logs();
    const rest = await openSse(`/v1/builds/${id}/logs/events?after=${firstChunk!.id}`);
    await rest.done;
    expect(
      whole
        .logs()
        .map((l) => l.text)
        .join(''),
    ).toBe('a\nb\n');
    expect(
      rest
        .logs()
        .map((l) => l.text)
        .join(''),
    ).toBe('a\nb\n'.slice(firstChunk!.text.length));
    expect(rest.events.at(-1)).toEqual({ event: 'end', data: '{"status":"failed"}' });
  });

  it('sends heartbeats and live lines over a WebSocket, resumes with ?after=, and closes after the end frame', async () => {
    const id = await newBuild();
    const ws = await openWs(`/v1/builds/${id}/logs/ws`);
    await eventually(() => ws.frames.some((f) => f.type === 'heartbeat'), 'a heartbeat frame while idle');
    expect(Date.parse(ws.frames.find((f) => f.type === 'heartbeat').at)).not.toBeNaN();
    const writer = await open(id, 'build/compile');
    await writer.write('compiling\n');
    await writer.write('done\n');
    await writer.end();
    await eventually(
      () =>
        ws.frames
          .filter((f) => f.type === 'log')
          .map((f) => f.text)
          .join('') === 'compiling\ndone\n',
      'live log frames',
    );
    const logFrames = ws.frames.filter((f) => f.type === 'log');
    expect(logFrames[0]).toMatchObject({ type: 'log', command: 'build/compile', offset: 0 });
    ws.socket.close();
    await ws.closed;

    const resumed = await openWs(`/v1/builds/${id}/logs/ws?after=${logFrames[0].id}`);
    await finish(id, 'cancelled');
    expect(await resumed.closed).toBe(1000);
    const texts = resumed.frames
      .filter((f) => f.type === 'log')
      .map((f) => f.text)
      .join('');
    expect(logFrames.map((f) => f.text).join('')).toBe('compiling\ndone\n');
    expect(texts).toBe('compiling\ndone\n'.slice(logFrames[0].text.length));
    expect(resumed.frames.at(-1)).toEqual({ type: 'end', status: 'cancelled' });
  });

  it('returns the whole log, or one command with ?stage=&step=', async () => {
    const id = await newBuild();
    for (const [key, text] of [
      ['job/onStart', 'starting\n'],
      ['unit-tests/lint', 'lint ok\n'],
      ['unit-tests/test', 'tests ok\n'],
    ] as const) {
      const writer = await open(id, key);
      await writer.write(text);
      await writer.end();
    }
    const get = (path: string, auth = true) =>
      fetch(`${url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    const whole = await get(`/v1/builds/${id}/log`);
    expect(whole.headers.get('content-type')).toContain('text/plain');
    expect(await whole.text()).toBe('starting\nlint ok\ntests ok\n');
    expect(await (await get(`/v1/builds/${id}/log?stage=unit-tests&step=lint`)).text()).toBe('lint ok\n');
    const halfCommand = await get(`/v1/builds/${id}/log?stage=unit-tests`);
    expect(halfCommand.status).toBe(400);
    expect(((await halfCommand.json()) as { error: { field: string } }).error.field).toBe('step');
    expect((await get(`/v1/builds/${id}/log`, false)).status).toBe(401);
    for (const path of [`/v1/builds/${id}/logs/events?after=x`, `/v1/builds/${id}/logs/ws?after=-1`]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('after');
    }
    expect((await get(`/v1/builds/${id}/logs/ws`)).status).toBe(404);
  });

  it('answers 404 for an unknown build on every route', async () => {
    const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    for (const path of ['/v1/builds/nope/log', '/v1/builds/nope/logs/events']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'build nope not found' } });
    }
    const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/builds/nope/logs/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    socket.on('error', () => {});
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      }),
    );
    expect(status).toBe(404);
  });
});
