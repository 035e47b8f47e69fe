// Pieces of the deployment benchmark (bench/deployments.ts): its own Temporal dev server, a
// throw-away database, worker child processes, a generated configuration, and small statistics
// and concurrency helpers. Everything listens on loopback and is removed by `Cleanups.run()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { openDatabase, type Database } from '../db/client.js';
import type { SlipwayConfig } from '../domain/config.js';
import type { Telemetry } from '../infra/telemetry.js';
import type { FakeJenkins } from '../test/fakes/jenkins.js';
import { freshDatabase } from '../test/support/pg.js';
import { failedWorkflowTasks, runHistories } from '../test/support/replay-all.js';
import { workerCommand } from '../infra/worker-command.js';
import { processMemoryMb } from './proc-stats.js';
import { createWorker } from '../worker/worker.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { stateQuery } from '../workflows/deployment.messages.js';

/**
 * Clean-up steps, run newest first; a failing one does not stop the others. `run()` may be called
 * from several places (the end of main, the watchdog, a signal): all wait for the same run, and a
 * step added while or after it runs (main still going) is run too.
 */
export class Cleanups {
  private steps: Array<{ what: string; fn: () => Promise<unknown> | unknown }> = [];
  private running: Promise<void> | null = null;
  add(what: string, fn: () => Promise<unknown> | unknown): void {
    this.steps.push({ what, fn });
    if (this.running) this.running = this.running.then(() => this.drain());
  }
  run(): Promise<void> {
    this.running ??= this.drain();
    return this.running;
  }
  private async drain(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.fn();
      } catch (err) {
        process.stderr.write(`clean-up of ${step.what} failed: ${String(err)}\n`);
      }
    }
  }
}

export function tempDir(prefix: string, cleanups: Cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.add(`temporary directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ends a child: SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `temporal server start-dev`: in memory, no Web UI, bound to 127.0.0.1, answering within 60 s. */
export async function startTemporal(cli: string, cleanups: Cleanups): Promise<{ address: string; pid: number }> {
  const port = await freePort();
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--log-level',
    'error',
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  cleanups.add('Temporal dev server', () => stopChild(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return { address, pid: child.pid! };
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`temporal dev server did not answer on ${address}: ${String(err)}`);
      await sleep(250);
    }
  }
}

export interface BenchDatabase {
  database: Database;
  kind: 'postgres' | 'pglite';
  /** Postgres URL a child process can share; null with PGlite. */ url: string | null;
}

/** A fresh database on DATABASE_URL's server (dropped afterwards), else PGlite in a temporary directory. */
export async function openBenchDatabase(databaseUrl: string | undefined, cleanups: Cleanups): Promise<BenchDatabase> {
  if (databaseUrl) {
    const pg = await freshDatabase(databaseUrl);
    cleanups.add('benchmark database', () => pg.drop());
    const database = await openDatabase({ url: pg.url, max: 20 });
    cleanups.add('database pool', () => database.close());
    return { database, kind: 'postgres', url: pg.url };
  }
  const database = await openDatabase({ dataDir: tempDir('slipway-bench-pglite-', cleanups) });
  cleanups.add('PGlite', () => database.close());
  return { database, kind: 'pglite', url: null };
}

/** Services, each with its own name so that locks never make one wait for another. */
export interface ServiceSet {
  prefix: string;
  count: number;
  pipeline: string[];
}

export const serviceName = (set: ServiceSet, i: number) => `${set.prefix}-${String(i).padStart(4, '0')}`;

export function benchConfigYaml(
  jenkins: { url: string; user: string; job: string },
  sets: ServiceSet[],
  environments: string[],
): string {
  const lines = [
    'environments:',
    ...environments.map((e) => `  ${e}: { concurrency: ${e === 'live' ? 'exclusive' : 'groups'} }`),
    `jenkins: { release: { url: "${jenkins.url}", user: "${jenkins.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
    'services:',
  ];
  for (const set of sets) {
    for (let i = 0; i < set.count; i++) {
      lines.push(
        `  ${serviceName(set, i)}: { group: 1, pipeline: [${set.pipeline.join(', ')}], deploy: { "*": { type: jenkins, server: release, job: ${jenkins.job} } } }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface WorkerChild {
  pid: number;
  memory(): { rssMb: number; peakMb: number };
  exitCode(): number | string | null;
  stop(): Promise<void>;
}

/**
 * worker/main.ts as its own process, started as `npm run worker` starts it, orchestration only
 * (SLIPWAY_BUILD_HOST=off: no build-host workers). Without a Postgres URL it keeps its own PGlite
 * in `dataDir`.
 */
export function spawnWorker(
  opts: {
    temporalAddress: string;
    databaseUrl: string | null;
    dataDir: string;
    configFile: string;
    taskQueue: string;
    env: Record<string, string>;
  },
  cleanups: Cleanups,
): WorkerChild {
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const command = workerCommand();
  const child = spawn(process.execPath, command.args, {
    cwd: process.cwd(),
    env: {
      ...parentEnv,
      ...command.env,
      ...opts.env,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      SLIPWAY_CONFIG: opts.configFile,
      SLIPWAY_TASK_QUEUE: opts.taskQueue,
      SLIPWAY_DATA_DIR: opts.dataDir,
      SLIPWAY_BUILD_HOST: 'off',
      LOG_LEVEL: 'warn',
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => stopChild(child);
  cleanups.add(`worker ${child.pid}`, stop);
  return {
    pid: child.pid!,
    memory: () => ({ rssMb: processMemoryMb(child.pid!, 'VmRSS'), peakMb: processMemoryMb(child.pid!, 'VmHWM') }),
    exitCode: () => child.exitCode ?? child.signalCode,
    stop,
  };
}

/** The orchestration worker in this process (PGlite allows one process only). */
export async function startInProcessWorker(
  deps: {
    connection: NativeConnection;
    client: Client;
    taskQueue: string;
    database: Database;
    config: SlipwayConfig;
    env: Record<string, string>;
    telemetry: Telemetry;
  },
  cleanups: Cleanups,
): Promise<{ stop(): Promise<void> }> {
  const worker = await createWorker({ ...deps, namespace: 'default', workflowBundle: await bundleWorkflows() });
  const running = worker.run();
  const stop = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  cleanups.add('in-process worker', stop);
  return { stop };
}

/** Waits until a worker polls the task queue for workflow tasks; fails at once if the worker process ended. */
export async function waitForPollers(
  connection: Connection,
  taskQueue: string,
  worker?: WorkerChild,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (worker && worker.exitCode() !== null)
      throw new Error(`the worker process for ${taskQueue} ended (${worker.exitCode()})`);
    const res = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue, kind: 1 },
      taskQueueType: 1,
    });
    if ((res.pollers?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`no worker polls task queue ${taskQueue} after ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

/** Runs `fn` over `items` with at most `concurrency` at once; results in input order. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Api {
  url: string;
  token: string;
}

/** One JSON call over HTTP; `ms` is the client-side time to the whole response body. */
export async function callApi(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; ms: number; body: { id?: string } | null; text: string }> {
  const started = performance.now();
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed: { id?: string } | null = null;
  try {
    parsed = JSON.parse(text) as { id?: string };
  } catch {
    parsed = null;
  }
  return { status: res.status, ms, body: parsed, text };
}

export interface ParkOptions {
  api: Api;
  services: string[];
  post(api: Api, service: string, version: string): Promise<{ id: string }>;
  fake: FakeJenkins;
  job: string;
  client: Client;
  /** Deployments in flight at once (a sliding window: arrivals never stop while work remains). */
  window: number;
  /** Whatever is parked by then is what gets measured. */
  deadline: number;
  /** What the database shows of a deployment (its projection), for the ones not parked. */
  projection?(id: string): Promise<string>;
}

/**
 * Takes each service's deployment to the Go Live wait: request it, report its tests passed once
 * its preprod Jenkins build has finished (409: the workflow does not wait for tests yet, retry; a
 * 200 means TESTS_PASSED is recorded), then check through the state query that it waits for Go Live.
 * Those not parked by the deadline are listed with their workflow's state and the projection's:
 * one that never got there is a fault to look at, not only a slow machine.
 */
export async function park(opts: ParkOptions): Promise<{ parked: number; seconds: number; notParked: string[] }> {
  const started = Date.now();
  const built = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    for (; watching; await sleep(250)) {
      for (const build of opts.fake.builds(opts.job))
        if (!build.building && build.params.SLIPWAY_DEPLOYMENT) built.add(build.params.SLIPWAY_DEPLOYMENT);
    }
  })();
  const notParked: string[] = [];
  const describe = async (id: string, step: string) => {
    const state = await opts.client.workflow
      .getHandle(id)
      .query(stateQuery)
      .catch((err: unknown) => ({ error: String(err) }));
    const summary =
      'error' in state
        ? `query failed: ${state.error}`
        : `${state.status}/${state.phase}, waiting on ${JSON.stringify(state.waitingOn)}`;
    const row = opts.projection ? `; database: ${await opts.projection(id).catch((err: unknown) => String(err))}` : '';
    notParked.push(`${id} (${step}): workflow ${summary}${row}`.slice(0, 600));
    return false;
  };
  const waitingForGoLive = async (id: string) => {
    const handle = opts.client.workflow.getHandle(id);
    for (; Date.now() < opts.deadline; await sleep(500)) {
      const state = await handle.query(stateQuery).catch(() => null);
      if (state?.phase === 'awaiting-approval') return true;
    }
    return describe(id, 'test result accepted');
  };
  try {
    const results = await pool(opts.services, opts.window, async (service) => {
      if (Date.now() >= opts.deadline) return false;
      const { id } = await opts.post(opts.api, service, '1.0.0');
      for (; Date.now() < opts.deadline; await sleep(500)) {
        if (!built.has(`${id}@preprod`)) continue;
        const res = await callApi(opts.api, 'POST', `/v1/deployments/${id}/test-results`, { passed: true });
        if (res.status === 200) return waitingForGoLive(id);
        if (res.status !== 409) throw new Error(`test-results for ${id}: ${res.status} ${res.text.slice(0, 300)}`);
      }
      return describe(id, built.has(`${id}@preprod`) ? 'built, test result refused' : 'no finished Jenkins build');
    });
    return { parked: results.filter(Boolean).length, seconds: (Date.now() - started) / 1000, notParked };
  } finally {
    watching = false;
    await watcher;
  }
}

/**
 * Runs a bench's body with a watchdog and signal handling, always cleans up, then exits the
 * process (1 when the body threw, 2 on the watchdog, 130 on a signal).
 */
export async function runBench(body: () => Promise<void>, cleanups: Cleanups, timeLimitMs: number): Promise<never> {
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over ${timeLimitMs / 1000}s, stopping\n`);
    void cleanups.run().finally(() => process.exit(2));
  }, timeLimitMs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanups.run().finally(() => process.exit(130)));
  let failed = false;
  try {
    await body();
  } catch (err) {
    failed = true;
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  } finally {
    await cleanups.run();
    clearTimeout(watchdog);
  }
  process.exit(failed ? 1 : 0);
}

/**
 * Workflow tasks that failed in the runs of `taskQueue` (a nondeterminism fails a task, and the
 * server retries it on a worker that replays, so a run can end well with a fault in its history).
 * The target is 0. Returns the count and up to five examples.
 */
export async function failedWorkflowTasksOn(
  client: Client,
  taskQueue: string,
): Promise<{ runs: number; failed: number; examples: string[] }> {
  const runs = await runHistories(client, `TaskQueue = '${taskQueue}'`);
  const failures = runs.flatMap((r) => failedWorkflowTasks(r.history).map((f) => `${r.workflowId}: ${f}`));
  return { runs: runs.length, failed: failures.length, examples: failures.slice(0, 5) };
}

/** The line a bench prints for failedWorkflowTasksOn. */
export function failedTasksLine(label: string, r: { runs: number; failed: number; examples: string[] }): string {
  const examples = r.examples.map((e) => `\n      ${e.slice(0, 400)}`).join('');
  return `${label} failed workflow tasks: ${r.failed} in ${r.runs} workflow runs  [target 0: ${r.failed === 0 ? 'meets target' : 'MISSES target'}]${examples}`;
}
