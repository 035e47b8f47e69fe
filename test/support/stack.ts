// A whole Slipway for an integration test: a fresh Postgres database, the shared Temporal dev
// server (its own task queue, so lock workflows of other files never meet ours), a worker in this
// process (or spawned as a separate one), the API over real HTTP, and API tokens per role.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';
import { createToken } from '../../db/tokens.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { parseConfig } from '../../infra/config-loader.js';
import { connectTemporal, serveApi, type TemporalClients } from '../../infra/runtime.js';
import type { Telemetry } from '../../infra/telemetry.js';
import Docker from 'dockerode';
import { createBuildHostWorkers } from '../../worker/build-host.js';
import { ensureSchedules } from '../../infra/schedules.js';
import { workerCommand } from '../../infra/worker-command.js';
import { createWorker } from '../../worker/worker.js';
import { bundleWorkflows } from '../../worker/workflow-bundle.js';
import { freshDatabase } from './pg.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | null = null;
export const sharedBundle = () => (bundle ??= bundleWorkflows());

export interface StackOptions {
  /** YAML of the configuration under test. */
  configYaml: string;
  /** Environment the worker resolves secrets from (Jenkins tokens). */
  env?: Record<string, string>;
  heartbeatMs?: number;
  /** false: no worker in this process (spawn one with stack.spawnWorker()). */
  inProcessWorker?: boolean;
  telemetry?: Telemetry;
  /** Continue-as-new threshold of lock workflows. */
  lockMaxHistoryEvents?: number;
  /** How often the Jenkins activity polls a build (the backstop to notifications); default 100 ms. */
  jenkinsPollIntervalMs?: number;
  /** The in-process worker's workflow cache; 1 makes every workflow task replay the whole history. */
  maxCachedWorkflows?: number;
  /** The API's public URL (default http://slipway.test); null: links and sign-in callbacks use the request's own. */
  publicUrl?: string | null;
}

export interface Stack {
  url: string;
  /** Where build logs (jobs/…) and workspaces of this stack's build host live. */
  dataDir: string;
  taskQueue: string;
  config: SlipwayConfig;
  database: Database;
  temporal: TemporalClients;
  tokens: Record<'admin' | 'requester' | 'reporter' | 'approver' | 'reader', string>;
  /** fetch against the API with a role's token; JSON in, parsed JSON out (untyped: tests assert on shapes). */
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; text: string }>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  spawnWorker(): Promise<SpawnedWorker>;
  close(): Promise<void>;
}

export interface SpawnedWorker {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const config = parseConfig(opts.configYaml, 'test-config.yml');
  const pg = await freshDatabase(inject('databaseUrl'));
  const database = await openDatabase({ url: pg.url, max: 20 });
  const address = inject('temporalAddress');
  const temporal = await connectTemporal(address, 'default');
  const taskQueue = `t-${randomBytes(5).toString('hex')}`;
  const heartbeatMs = opts.heartbeatMs ?? 3000;
  // The worker's lock activities and the API's pause switch start lock workflows alike.
  const lockTuning = { livenessCheckSeconds: 2, maxHistoryEvents: opts.lockMaxHistoryEvents };
  const api = await serveApi(
    {
      db: database.db,
      pubsub: database.pubsub,
      temporal: temporal.client,
      config,
      taskQueue,
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      heartbeatMs,
      version: 'test',
      logHeartbeatMs: 300,
      secret: (v) => opts.env?.[v],
      publicUrl: opts.publicUrl === undefined ? 'http://slipway.test' : opts.publicUrl,
      lockTuning,
    },
    0,
    '127.0.0.1',
  );

  const tokens = {
    admin: (await createToken(database.db, 'admin', ['admin'], 'test')).token,
    requester: (await createToken(database.db, 'dev-jenkins', ['deploy:request', 'deploy:report'], 'test')).token,
    reporter: (await createToken(database.db, 'test-runner', ['deploy:report'], 'test')).token,
    approver: (await createToken(database.db, 'alice', ['deploy:approve'], 'test')).token,
    reader: (await createToken(database.db, 'viewer', ['read'], 'test')).token,
  };

  let workers: Worker[] = [];
  let schedules: string[] = [];
  let running: Promise<unknown> | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-data-'));
  const hostName = `host-${taskQueue}`;
  const spawned: SpawnedWorker[] = [];
  const configDir = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  const configFile = join(configDir, 'config.yml');
  writeFileSync(configFile, opts.configYaml);

  const stack: Stack = {
    url: api.url,
    dataDir,
    taskQueue,
    config,
    database,
    temporal,
    tokens,
    async call(method, path, { token = tokens.admin, body, headers = {} } = {}) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed, text };
    },
    async startWorker() {
      const worker = await createWorker({
        connection: temporal.native,
        client: temporal.client,
        namespace: 'default',
        taskQueue,
        database,
        config,
        workflowBundle: await sharedBundle(),
        jenkinsPollIntervalMs: opts.jenkinsPollIntervalMs ?? 100,
        lockTuning,
        maxCachedWorkflows: opts.maxCachedWorkflows,
        env: opts.env ?? {},
        telemetry: opts.telemetry,
      });
      const hosts = await createBuildHostWorkers({
        connection: temporal.native,
        namespace: 'default',
        taskQueue,
        database,
        docker: new Docker(),
        dataDir,
        hostName,
      });
      workers = [worker, ...hosts];
      running = Promise.all(workers.map((w) => w.run()));
      schedules = await ensureSchedules(temporal.client, config, taskQueue, heartbeatMs);
    },
    async stopWorker() {
      if (workers.length === 0) return;
      for (const w of workers) w.shutdown();
      await running;
      workers = [];
    },
    async spawnWorker() {
      const command = workerCommand();
      const child = spawn(process.execPath, command.args, {
        cwd: process.cwd(),
        env: {
          ...process.env,
          ...command.env,
          ...opts.env,
          TEMPORAL_ADDRESS: address,
          DATABASE_URL: pg.url,
          SLIPWAY_CONFIG: configFile,
          SLIPWAY_TASK_QUEUE: taskQueue,
          SLIPWAY_BUILD_HOST: hostName,
          SLIPWAY_DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          VITEST: '',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const handle: SpawnedWorker = {
        child,
        kill: async (signal = 'SIGKILL') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      spawned.push(handle);
      return handle;
    },
    async close() {
      for (const id of schedules)
        await temporal.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => {});
      for (const s of spawned) await s.kill();
      await stack.stopWorker();
      await api.close();
      await temporal.close();
      await database.close();
      await pg.drop();
    },
  };
  if (opts.inProcessWorker !== false) await stack.startWorker();
  return stack;
}

/** Polls until `check` returns a value (not undefined/false), or fails with the last seen value. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check().catch((err) => {
      last = err;
      return undefined;
    });
    if (value !== undefined && value !== false) return value as T;
    last = last ?? value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the deployment reaches `state` (Octopush status), through the API. */
export async function waitForState(stack: Stack, id: string | number, state: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const { body } = await stack.call('GET', `/v1/deployments/${id}`);
      return body?.state === state ? body : (undefined as never);
    },
    `deployment ${id} to reach ${state}`,
    timeoutMs,
  );
}
