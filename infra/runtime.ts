import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import type { ApiDeps } from '../api/deps.js';
import { startWebhookRelay } from '../api/hooks/relay.js';
import type { Database } from '../db/client.js';
import type { SlipwayConfig } from '../domain/config.js';
import type { Env } from './env.js';
import { jenkinsPinger } from './jenkins.js';
import { logger } from './logger.js';
import { version } from './version.js';
import { uiRoutes } from '../ui/app.js';
import { sessionSecretAtStart } from './session-secret.js';

// Pieces shared by the entry points (npm start, api, worker) and the integration tests.

export interface TemporalClients {
  connection: Connection;
  native: NativeConnection;
  client: Client;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** The SDK's own logs (worker state, bundling) at warning level unless LOG_LEVEL asks for more. */
function installTemporalRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level =
    ({ trace: 'TRACE', debug: 'DEBUG', info: 'WARN' } as const)[logger.level as 'trace' | 'debug' | 'info'] ?? 'WARN';
  Runtime.install({ logger: new DefaultLogger(level) });
}

export async function connectTemporal(address: string, namespace: string): Promise<TemporalClients> {
  installTemporalRuntime();
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const client = new Client({
    connection,
    namespace,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
  });
  return {
    connection,
    native,
    client,
    close: async () => {
      await connection.close();
      await native.close();
    },
  };
}

/** The HTTP API and, beside it, the relay that hands the webhook inbox's deliveries to Temporal. */
/** The API's dependencies as both entry points (npm start, api/main.ts) build them from the environment. */
export function apiDepsFromEnv(
  env: Env,
  parts: { database: Database; temporal: TemporalClients; config: SlipwayConfig; temporalUiUrl: string | null },
): ApiDeps {
  return {
    db: parts.database.db,
    pubsub: parts.database.pubsub,
    temporal: parts.temporal.client,
    config: parts.config,
    taskQueue: env.SLIPWAY_TASK_QUEUE,
    namespace: env.TEMPORAL_NAMESPACE,
    temporalUiUrl: parts.temporalUiUrl,
    heartbeatMs: env.SLIPWAY_HEARTBEAT_SECONDS * 1000,
    version,
    pingJenkins: jenkinsPinger(parts.config),
    secret: (v) => process.env[v],
    publicUrl: env.SLIPWAY_PUBLIC_URL ?? null,
    sessionSecret: sessionSecretAtStart(env.SLIPWAY_SESSION_SECRET, env.SLIPWAY_DATA_DIR),
  };
}

export async function serveApi(
  deps: ApiDeps,
  port: number,
  hostname: string,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const relay = startWebhookRelay({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue });
  const app = createApp(deps, relay, uiRoutes);
  const wss = new WebSocketServer({ noServer: true });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname, websocket: { server: wss } }, (info: AddressInfo) => {
      const url = `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`;
      // Open WebSockets keep server.close() waiting forever: end them first. The relay stops after
      // the server, so that no delivery is recorded after its last look at the inbox.
      const closeServer = () =>
        new Promise<void>((r) => {
          for (const ws of wss.clients) ws.terminate();
          (server as Server).closeAllConnections?.();
          server.close(() => r());
        });
      resolve({ server: server as Server, url, close: () => closeServer().finally(() => relay.close()) });
    }) as Server;
    server.once('error', (err) => {
      void relay.close();
      reject(err);
    });
  });
}
