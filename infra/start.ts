// `npm start`: Slipway in one process on embedded defaults. Temporal's dev server (with its Web UI)
// and PGlite keep their state in SLIPWAY_DATA_DIR, so a restart resumes every deployment.
import Docker from 'dockerode';
import { openDatabase } from '../db/client.js';
import { createBuildHostWorkers } from '../worker/build-host.js';
import { createWorker } from '../worker/worker.js';
import { adminTokenAtStart } from './admin-token.js';
import { loadConfigOrExit } from './config-loader.js';
import { startDevTemporal } from './dev-temporal.js';
import { readEnv } from './env.js';
import { logger } from './logger.js';
import { apiDepsFromEnv, connectTemporal, serveApi } from './runtime.js';
import { ensureSchedules } from './schedules.js';
import { setupTelemetry } from './telemetry.js';
import { version } from './version.js';

const env = readEnv();
const telemetry = setupTelemetry({ otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const config = loadConfigOrExit(env.SLIPWAY_CONFIG);

const docker = new Docker();
const dockerOk = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerOk)
  logger.warn(
    'no Docker engine answers: Docker deploy steps will wait and retry until one does (run `bash infra/setup.sh run`)',
  );

const devTemporal = env.TEMPORAL_ADDRESS
  ? null
  : await startDevTemporal({
      dataDir: env.SLIPWAY_DATA_DIR,
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
    });
const address = env.TEMPORAL_ADDRESS ?? devTemporal!.address;
const temporalUiUrl = env.TEMPORAL_UI_URL ?? devTemporal?.uiUrl ?? null;
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.SLIPWAY_DATA_DIR, max: 10 });
const temporal = await connectTemporal(address, env.TEMPORAL_NAMESPACE);

const admin = await adminTokenAtStart(database.db, env.SLIPWAY_ADMIN_TOKEN, env.SLIPWAY_DATA_DIR);
if (admin.warning) logger.warn(admin.warning);

const worker = await createWorker({
  connection: temporal.native,
  client: temporal.client,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.SLIPWAY_TASK_QUEUE,
  database,
  config,
  docker,
  telemetry,
  maxCachedWorkflows: env.SLIPWAY_MAX_CACHED_WORKFLOWS,
});
const buildHosts = await createBuildHostWorkers({
  connection: temporal.native,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.SLIPWAY_TASK_QUEUE,
  database,
  docker,
  dataDir: env.SLIPWAY_DATA_DIR,
  hostName: env.SLIPWAY_BUILD_HOST,
  builds: config.builds,
});
const workers = [worker, ...buildHosts];
await ensureSchedules(temporal.client, config, env.SLIPWAY_TASK_QUEUE, env.SLIPWAY_HEARTBEAT_SECONDS * 1000);
const running = Promise.all(workers.map((w) => w.run()));
const api = await serveApi(
  apiDepsFromEnv(env, { database, temporal, config, temporalUiUrl: temporalUiUrl }),
  env.PORT,
  env.HOST,
);

const lines = [
  `Slipway ${version} is running (configuration: ${env.SLIPWAY_CONFIG}, data: ${env.SLIPWAY_DATA_DIR}, database: ${database.kind})`,
  `  Dashboard:       ${api.url}/`,
  `  API:             ${api.url}   (OpenAPI: ${api.url}/v1/openapi.json)`,
  `  Temporal:        ${address}`,
  `  Temporal Web UI: ${temporalUiUrl ?? '(external cluster: set TEMPORAL_UI_URL)'}`,
  `  Admin token:     ${admin.shown}`,
  `  Docker engine:   ${dockerOk ? 'answering' : 'NOT answering: run `bash infra/setup.sh run`'}`,
];
process.stdout.write(`${lines.join('\n')}\n`);

/** Each step runs even if an earlier one fails, so the embedded Temporal never outlives us. */
async function shutdown() {
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['API', () => api.close()],
    // The SDK's workers stop on SIGINT/SIGTERM by themselves; shut down only those still running.
    [
      'workers',
      async () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      },
    ],
    ['Temporal client', () => temporal.close()],
    ['database', () => database.close()],
    ['Temporal dev server', async () => devTemporal?.stop()],
    ['telemetry', () => telemetry.shutdown()],
  ];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      logger.warn({ err }, `stopping ${name} failed`);
    }
  }
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
await running;
