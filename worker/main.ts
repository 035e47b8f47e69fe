// A worker process for production: any number of them may run against one Temporal and Postgres.
import { openDatabase } from '../db/client.js';
import { loadConfigHolderOrExit } from '../infra/config-holder.js';
import { reloadConfig } from '../infra/config-record.js';
import { watchConfig } from '../infra/config-watch.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import Docker from 'dockerode';
import { createBuildHostWorkers } from './build-host.js';
import { ensureSchedules } from '../infra/schedules.js';
import { createEventDispatcher } from './event-dispatcher.js';
import { createWorker } from './worker.js';

const env = readEnv();
const telemetry = setupTelemetry({ serviceName: 'slipway-worker', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const configHolder = loadConfigHolderOrExit(env.SLIPWAY_CONFIG);
const config = configHolder.config;
// The API replicas store and audit a change; a worker only takes it (Jenkins and forge servers).
const configWatch = watchConfig(configHolder, () => reloadConfig(null, configHolder, 'file-watch'));
if (!env.TEMPORAL_ADDRESS)
  throw new Error('TEMPORAL_ADDRESS is required for a separate worker process (npm start runs an embedded one)');
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.SLIPWAY_DATA_DIR });
const temporal = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
const worker = await createWorker({
  connection: temporal.native,
  client: temporal.client,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.SLIPWAY_TASK_QUEUE,
  database,
  get config() {
    return configHolder.config;
  },
  telemetry,
  maxCachedWorkflows: env.SLIPWAY_MAX_CACHED_WORKFLOWS,
});
// SLIPWAY_BUILD_HOST=off: an orchestration-only worker (no Docker on this machine).
const buildHosts =
  env.SLIPWAY_BUILD_HOST === 'off'
    ? []
    : await createBuildHostWorkers({
        connection: temporal.native,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SLIPWAY_TASK_QUEUE,
        database,
        docker: new Docker(),
        dataDir: env.SLIPWAY_DATA_DIR,
        hostName: env.SLIPWAY_BUILD_HOST,
        builds: config.builds,
      });
const workers = [worker, ...buildHosts];
// Outgoing events: every worker runs a dispatcher; they share the work through the outbox's claims.
const eventDispatcher = createEventDispatcher({ database, config: config.events });
await eventDispatcher.start();
await ensureSchedules(temporal.client, config, env.SLIPWAY_TASK_QUEUE, env.SLIPWAY_HEARTBEAT_SECONDS * 1000);
logger.info({ taskQueue: env.SLIPWAY_TASK_QUEUE, temporal: env.TEMPORAL_ADDRESS }, 'worker running');
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    configWatch.close();
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  });
await Promise.all(workers.map((w) => w.run()));
await eventDispatcher.stop();
await database.close();
await temporal.close();
await telemetry.shutdown();
