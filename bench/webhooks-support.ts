// Pieces of the webhook gateway benchmark (bench/webhooks.ts): signed GitHub push deliveries,
// the bare Hono baseline server and the per-phase statistics. Generic pieces come from
// bench/support.ts and bench/open-loop.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { githubPush, vendorHeaders } from '../test/support/webhooks.js';
import { openLoop, type Sample } from './open-loop.js';
import { percentile } from './support.js';

export interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** A GitHub push to `repo` `branch`, signed with `secret`, with its own delivery id and commit. */
export function pushDelivery(repo: string, branch: string, secret: string): Delivery {
  const id = randomUUID();
  const body = JSON.stringify(githubPush(repo, branch, randomBytes(20).toString('hex')));
  return { id, body, headers: vendorHeaders('github', 'push', body, secret, id) };
}

/** POSTs a delivery with Node's fetch (undici's global dispatcher: keep-alive connections), giving up after `timeoutMs`. */
export const post = (url: string, d: Delivery, timeoutMs: number) => async () => {
  const res = await fetch(url, {
    method: 'POST',
    headers: d.headers,
    body: d.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, text: await res.text() };
};

/** TCP connections a server accepts from now on (keep-alive: a handful, not one per request, unless it falls behind). */
export function countConnections(server: Server): () => number {
  let n = 0;
  server.on('connection', () => {
    n++;
  });
  return () => n;
}

/**
 * The baseline: @hono/node-server `serve` set up as infra/runtime.ts serveApi does (loopback, a
 * WebSocket server on upgrades), one route that reads the body and answers 202.
 */
export async function serveBare(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const app = new Hono();
  app.post('/hooks/:forge', async (c) => {
    await c.req.text();
    return c.json({ status: 'accepted' }, 202);
  });
  const wss = new WebSocketServer({ noServer: true });
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: wss } },
      (info: AddressInfo) => {
        const close = () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          });
        resolve({ url: `http://${info.address}:${info.port}`, connections: countConnections(server), close });
      },
    ) as Server;
    server.once('error', reject);
  });
}

export interface Phase {
  samples: Sample[];
  ok: Sample[];
  failed: Sample[];
  seconds: number;
  /** TCP connections the server accepted during the phase; null when not HTTP. */
  connections: number | null;
  /** CPU time of this process (the client, and the servers when they run in it) per call, and its event loop's utilization. */
  cpuMsPerCall: number;
  loopUtilization: number;
  /** CPU time per call of other processes (the API, the worker; "machine": all of them) during the phase. */
  cpuMsPerCallOf: Record<string, number>;
}

/** Runs one open-loop phase of `count` calls at `rate`/s; `ok` are the samples `accepted` approves. */
export async function measure(
  count: number,
  rate: number,
  fire: (i: number, due: number) => Promise<Sample>,
  accepted: (s: Sample) => boolean,
  connections?: () => number,
  cpuOf: Record<string, () => number> = {},
): Promise<Phase> {
  const before = connections?.() ?? 0;
  const cpuBefore = Object.fromEntries(Object.entries(cpuOf).map(([name, read]) => [name, read()]));
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const t0 = performance.now();
  const samples = await openLoop(count, rate, fire);
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    samples,
    ok: samples.filter(accepted),
    failed: samples.filter((s) => !accepted(s)),
    seconds,
    connections: connections ? connections() - before : null,
    cpuMsPerCall: (used.user + used.system) / 1000 / samples.length,
    loopUtilization: performance.eventLoopUtilization(loop).utilization,
    cpuMsPerCallOf: Object.fromEntries(
      Object.entries(cpuOf).map(([name, read]) => [name, (read() - cpuBefore[name]!) / samples.length]),
    ),
  };
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const p50p99 = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}, p99 ${ms(percentile(xs, 99))}`;

/** One line on a phase: latency from the scheduled send (the figure), then from the actual send, the send lag, and the process's load. */
export function describe(name: string, p: Phase): string {
  const lat = p.ok.map((s) => s.fromDue);
  const lag = p.samples.map((s) => s.lag);
  return (
    `${name}: n=${p.ok.length}/${p.samples.length} answered as expected in ${p.seconds.toFixed(2)} s, ${p50p99(lat)}, max ${ms(lat.length ? Math.max(...lat) : NaN)} ` +
    `(from the actual send: ${p50p99(p.ok.map((s) => s.fromSend))}; send lag p99 ${ms(percentile(lag, 99))}, max ${ms(Math.max(...lag))}; ` +
    `${p.connections === null ? '' : `${p.connections} TCP connection(s); `}this process: ${p.cpuMsPerCall.toFixed(2)} ms CPU per call, event loop ${(p.loopUtilization * 100).toFixed(0)}% busy` +
    `${Object.entries(p.cpuMsPerCallOf)
      .map(([name, v]) => `; ${name}: ${v.toFixed(2)} ms CPU per call`)
      .join('')})`
  );
}

/** The unexpected answers of a phase, grouped (at most 5 kinds). */
export function failures(name: string, p: Phase): string[] {
  if (p.failed.length === 0) return [];
  const kinds = new Map<string, number>();
  for (const s of p.failed) {
    const key = `${s.status} ${s.text.slice(0, 160)}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  return [
    `${name}: ${p.failed.length} unexpected answer(s):`,
    ...[...kinds].slice(0, 5).map(([key, n]) => `  ${n} x ${key}`),
  ];
}
