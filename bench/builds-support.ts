// Pieces of the build benchmark (bench/builds.ts): the worker (its own process with Postgres, else in
// this one), its RSS sampled every 100 ms, raw `docker exec` baselines through dockerode (the runner's
// own exec options and stream handling) and through the CLI, a WebSocket log follower, and clean-up
// of the containers this run's build host made. Generic pieces come from bench/support.ts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import Docker from 'dockerode';
import WebSocket from 'ws';
import {
  buildContainerOptions,
  ExecOutput,
  LABEL_BUILD,
  LABEL_HOST,
  stepExecOptions,
} from '../activities/build-runner-options.js';
import { workspaceVolumeName } from '../activities/build-confinement.js';
import { ensureBuildNetwork } from '../activities/build-workspace.js';
import { resolveConfinement } from '../domain/build-limits.js';
import type { Database } from '../db/client.js';
import type { SlipwayConfig } from '../domain/config.js';
import type { TemporalClients } from '../infra/runtime.js';
import type { Telemetry } from '../infra/telemetry.js';
import { createBuildHostWorkers } from '../worker/build-host.js';
import { createWorker } from '../worker/worker.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { buildClaimQueue, buildHostQueue } from '../workflows/build.messages.js';
import { processMemoryMb } from './proc-stats.js';
import { percentile, sleep, stopChild, type Cleanups } from './support.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The API, as a client

export interface BuildView {
  id: string;
  number: number;
  status: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  commands: Array<{
    key: string;
    kind: 'hook' | 'step';
    status: string;
    exitCode?: number | null;
    startedAt?: string;
    finishedAt?: string;
  }>;
}

export interface ApiClient {
  url: string;
  token: string;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }>;
}

export function apiClient(url: string, token: string): ApiClient {
  return {
    url,
    token,
    async call<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed as T, text };
    },
  };
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'errored']);

/** Polls GET /v1/builds/:id until the build has finished. */
export async function waitForBuild(api: ApiClient, id: string, timeoutMs: number, pollMs = 200): Promise<BuildView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.call<BuildView>('GET', `/v1/builds/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw new Error(`GET /v1/builds/${id}: ${res.status} ${res.text.slice(0, 300)}`);
    if (FINISHED.has(res.body.status)) return res.body;
    if (Date.now() > deadline)
      throw new Error(`build ${id} did not finish within ${timeoutMs / 1000}s (status ${res.body.status})`);
    await sleep(pollMs);
  }
}

/** PUT /v1/jobs/<path>, failing unless created or replaced. */
export async function putJob(api: ApiClient, path: string, definition: unknown): Promise<void> {
  const res = await api.call('PUT', `/v1/jobs/${path}`, definition);
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`PUT /v1/jobs/${path}: ${res.status} ${res.text.slice(0, 300)}`);
}

/** POST /v1/jobs/<path>/builds; the new build's id. */
export async function triggerBuild(
  api: ApiClient,
  path: string,
  parameters: Record<string, string> = {},
): Promise<string> {
  const res = await api.call<{ id: string }>('POST', `/v1/jobs/${path}/builds`, { parameters });
  if (res.status !== 201) throw new Error(`POST /v1/jobs/${path}/builds: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body.id;
}

/**
 * Follows a build's log over the WebSocket route; `onLog` gets each log frame's text with the host
 * time (ms since the epoch) at which the frame arrived. Resolves with the build's status at `end`.
 */
export function followLogWs(
  api: ApiClient,
  buildId: string,
  onLog: (text: string, atMs: number) => void,
): { ended: Promise<string>; close(): void } {
  const url = `${api.url.replace(/^http/, 'ws')}/v1/builds/${encodeURIComponent(buildId)}/logs/ws?access_token=${encodeURIComponent(api.token)}`;
  const ws = new WebSocket(url);
  const ended = new Promise<string>((resolve, reject) => {
    let status: string | null = null;
    ws.on('message', (data: Buffer) => {
      const at = Date.now();
      const frame = JSON.parse(data.toString()) as { type: string; text?: string; status?: string };
      if (frame.type === 'log' && frame.text !== undefined) onLog(frame.text, at);
      else if (frame.type === 'end') status = frame.status ?? 'unknown';
    });
    ws.once('error', reject);
    ws.once('close', (code) =>
      status !== null
        ? resolve(status)
        : reject(new Error(`log WebSocket of ${buildId} closed (${code}) before the end frame`)),
    );
  });
  return { ended, close: () => ws.terminate() };
}

export interface ExecPhases {
  /** buildExec scheduled → started: the task reaching the host worker. */
  dispatch: number[];
  /** started → completed: the activity on the host (exec, output into the log sink, exit code). */
  activity: number[];
  /** completed → the next buildExec scheduled: the workflow's turn (and the concurrent record of the step). */
  turn: number[];
}

const timestampMs = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(String(ts?.seconds ?? 0)) * 1000 + (ts?.nanos ?? 0) / 1e6;

/** Where each step's time went, from the build workflow's Temporal history (event times, server clock). */
export async function execPhases(client: Client, buildId: string): Promise<ExecPhases> {
  const history = await client.workflow.getHandle(buildId).fetchHistory();
  const execs: Array<{ scheduled: number; started: number; completed: number }> = [];
  const byEventId = new Map<string, { scheduled: number; started: number; completed: number }>();
  for (const e of history.events ?? []) {
    const at = timestampMs(e.eventTime);
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'buildExec') {
      const exec = { scheduled: at, started: NaN, completed: NaN };
      execs.push(exec);
      byEventId.set(String(e.eventId), exec);
    }
    const started = byEventId.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
    if (started) started.started = at;
    const completed = byEventId.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId));
    if (completed) completed.completed = at;
  }
  return {
    dispatch: execs.map((x) => x.started - x.scheduled),
    activity: execs.map((x) => x.completed - x.started),
    turn: execs.slice(1).map((x, i) => x.scheduled - execs[i]!.completed),
  };
}

// ---------------------------------------------------------------------------------------------
// The worker and its memory

export interface BenchWorker {
  /** 'process': worker/main.ts as a child (RSS is the worker's alone); 'in-process': beside the API and the bench. */
  mode: 'process' | 'in-process';
  pid: number;
  /** Peak of the 100 ms RSS samples taken since `fromMs` (Date.now()), in MiB. */
  peakRssMb(fromMs: number): number;
  rssMb(): number;
  /** VmHWM: the peak resident size over the process's whole life, in MiB. */
  hwmMb(): number;
  /** Why the worker is gone, or null while it runs. */
  gone(): string | null;
}

function sampleRss(pid: number, cleanups: Cleanups): (fromMs: number) => number {
  const samples: Array<{ at: number; mb: number }> = [];
  const sample = () => {
    try {
      samples.push({ at: Date.now(), mb: processMemoryMb(pid, 'VmRSS') });
    } catch {
      /* the process has ended */
    }
  };
  const timer = setInterval(sample, 100);
  timer.unref();
  cleanups.add('RSS sampler', () => clearInterval(timer));
  sample();
  return (fromMs) => samples.reduce((peak, s) => (s.at >= fromMs && s.mb > peak ? s.mb : peak), 0);
}

export interface WorkerOptions {
  temporal: TemporalClients;
  temporalAddress: string;
  database: Database;
  /** Postgres URL the child shares with this process; null (PGlite) → the worker runs in this process. */
  databaseUrl: string | null;
  config: SlipwayConfig;
  configFile: string;
  taskQueue: string;
  hostName: string;
  dataDir: string;
  telemetry: Telemetry;
}

/** Starts the orchestration worker and the build host, and waits until all three queues are polled. */
export async function startBenchWorker(o: WorkerOptions, cleanups: Cleanups): Promise<BenchWorker> {
  let worker: BenchWorker;
  if (o.databaseUrl) {
    // Nothing exported anywhere (loopback only): the parent's OTLP endpoint is not passed on.
    const { OTEL_EXPORTER_OTLP_ENDPOINT: _otlp, ...parentEnv } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: process.cwd(),
      env: {
        ...parentEnv,
        TEMPORAL_ADDRESS: o.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        DATABASE_URL: o.databaseUrl,
        SLIPWAY_CONFIG: o.configFile,
        SLIPWAY_TASK_QUEUE: o.taskQueue,
        SLIPWAY_DATA_DIR: o.dataDir,
        SLIPWAY_BUILD_HOST: o.hostName,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    cleanups.add(`worker process ${child.pid}`, () => stopChild(child, 10_000));
    const pid = child.pid!;
    const peak = sampleRss(pid, cleanups);
    worker = {
      mode: 'process',
      pid,
      peakRssMb: peak,
      rssMb: () => processMemoryMb(pid, 'VmRSS'),
      hwmMb: () => processMemoryMb(pid, 'VmHWM'),
      gone: () =>
        child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : null,
    };
  } else {
    const common = {
      connection: o.temporal.native,
      namespace: 'default',
      taskQueue: o.taskQueue,
      database: o.database,
    };
    const workers: Worker[] = [
      await createWorker({
        ...common,
        client: o.temporal.client,
        config: o.config,
        workflowBundle: await bundleWorkflows(),
        telemetry: o.telemetry,
      }),
      ...(await createBuildHostWorkers({ ...common, docker: new Docker(), dataDir: o.dataDir, hostName: o.hostName })),
    ];
    let failure: string | null = null;
    const running = Promise.all(workers.map((w) => w.run())).catch((err: unknown) => {
      failure = `failed: ${String(err)}`;
    });
    cleanups.add('in-process worker', async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    });
    const peak = sampleRss(process.pid, cleanups);
    worker = {
      mode: 'in-process',
      pid: process.pid,
      peakRssMb: peak,
      rssMb: () => processMemoryMb(process.pid, 'VmRSS'),
      hwmMb: () => processMemoryMb(process.pid, 'VmHWM'),
      gone: () => failure,
    };
  }
  const queues = [
    { name: o.taskQueue, type: 1 }, // workflow tasks
    { name: buildClaimQueue(o.taskQueue), type: 2 }, // activity tasks
    { name: buildHostQueue(o.taskQueue, o.hostName), type: 2 },
  ];
  const deadline = Date.now() + 180_000;
  for (const queue of queues) {
    for (;;) {
      const gone = worker.gone();
      if (gone) throw new Error(`the worker ${gone} before polling ${queue.name}`);
      const res = await o.temporal.connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: queue.name, kind: 1 },
        taskQueueType: queue.type,
      });
      if ((res.pollers?.length ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`no worker polls ${queue.name} after 180 s`);
      await sleep(250);
    }
  }
  return worker;
}

// ---------------------------------------------------------------------------------------------
// Docker: raw exec baselines and clean-up

/** Removes every container this run's build host made (labels slipway.build + slipway.host=<host>). */
export async function removeHostContainers(docker: Docker, hostName: string): Promise<number> {
  const left = await docker.listContainers({
    all: true,
    filters: { label: [LABEL_BUILD, `${LABEL_HOST}=${hostName}`] },
  });
  for (const c of left) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    const buildId = c.Labels[LABEL_BUILD];
    if (buildId)
      await docker
        .getVolume(workspaceVolumeName(buildId))
        .remove()
        .catch(() => undefined);
  }
  return left.length;
}

/**
 * A container made exactly as the runner makes a build's (buildContainerOptions: same image, init,
 * confinement with the default limits, tmpfs workspace, network, labels), for timing bare execs in.
 * Removed by `removeHostContainers`.
 */
export async function startRawContainer(
  docker: Docker,
  image: string,
  hostName: string,
): Promise<{ name: string; container: Docker.Container }> {
  const defaults = resolveConfinement({});
  if (!defaults.ok) throw new Error(defaults.error);
  await ensureBuildNetwork(docker, defaults.confinement.outbound);
  const options = buildContainerOptions({
    buildId: `bench-raw-${randomBytes(4).toString('hex')}`,
    image,
    hostName,
    env: {},
    confinement: defaults.confinement,
  });
  const container = await docker.createContainer(options);
  await container.start();
  return { name: options.name!, container };
}

/**
 * One step as the runner drives it, minus Slipway: exec create with the runner's options (wrapper,
 * marker, /workspace), hijacked start, the multiplexed stream read to its end, then the exit code by
 * inspect (polling from 20 ms, doubling, as the runner does). Milliseconds, wall time.
 */
export async function timeDockerodeExec(container: Docker.Container, command: string): Promise<number> {
  const started = performance.now();
  const exec = await container.exec(stepExecOptions({ command, env: {}, marker: randomBytes(8).toString('hex') }));
  const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  const output = new ExecOutput();
  for await (const chunk of stream as AsyncIterable<Buffer>) output.push(chunk);
  output.end();
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) {
      if (info.ExitCode !== 0) throw new Error(`raw exec of ${JSON.stringify(command)} exited with ${info.ExitCode}`);
      break;
    }
    await sleep(wait);
  }
  return performance.now() - started;
}

/** `docker exec <container> <argv…>` through the CLI; milliseconds, wall time of the CLI process. */
export async function timeCliExec(containerName: string, argv: string[]): Promise<number> {
  const started = performance.now();
  await run('docker', ['exec', containerName, ...argv]);
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export const median = (xs: number[]) => percentile(xs, 50);
