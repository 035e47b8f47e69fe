import type { Client } from '@temporalio/client';
import { OpenTelemetryActivityInboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import Docker from 'dockerode';
import { createDockerActivities } from '../activities/docker.js';
import { createJenkinsActivities } from '../activities/jenkins.js';
import { createLockActivities } from '../activities/locks.js';
import { createBuildStoreActivities } from '../activities/build-store.js';
import { createForgeActivities } from '../activities/forge.js';
import { createJobLinkActivities } from '../activities/job-links.js';
import { createGitPollActivities } from '../activities/git-poll.js';
import { createStoreActivities } from '../activities/store.js';
import type { Database } from '../db/client.js';
import type { SlipwayConfig } from '../domain/config.js';
import { secretFromEnv } from '../infra/env.js';
import { jenkinsServers } from '../infra/jenkins.js';
import { setupTelemetry, type Telemetry } from '../infra/telemetry.js';
import type { LockTuning } from '../workflows/environment-lock.messages.js';
import { bundleWorkflowsOutOfProcess } from './workflow-bundle.js';

// The orchestration worker: every workflow type, and the activities for the store, locks,
// Jenkins and Docker, each built from an injected client.

/**
 * Workflows kept in memory between their tasks; the others replay from their history when they
 * next wake. Small, because parked deployments need no cache and on Node 20 each cached workflow
 * makes every new promise dearer (see bench/README.md, "What (d) taught").
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 50;

export interface WorkerDeps {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  database: Database;
  config: SlipwayConfig;
  docker?: Docker;
  telemetry?: Telemetry;
  /** Pre-built bundle (tests build it once); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  jenkinsPollIntervalMs?: number;
  /** How lock workflows run (defaults when absent); the API is given the same. */
  lockTuning?: LockTuning;
  /** Workflows kept in this worker's cache (DEFAULT_MAX_CACHED_WORKFLOWS when absent). */
  maxCachedWorkflows?: number;
  env?: NodeJS.ProcessEnv;
}

/** Forges with an API (for commit statuses and issues); tokens come from the environment. */
export function forgeServers(config: SlipwayConfig, env: NodeJS.ProcessEnv = process.env) {
  return Object.fromEntries(
    Object.entries(config.forges).flatMap(([name, f]) =>
      f.apiUrl && f.vendor !== 'bitbucket'
        ? [[name, { vendor: f.vendor, apiUrl: f.apiUrl, token: secretFromEnv(f.tokenEnv, env) }]]
        : [],
    ),
  );
}

export function buildActivities(deps: WorkerDeps) {
  const store = createStoreActivities({ db: deps.database.db, pubsub: deps.database.pubsub });
  return {
    ...store,
    ...createBuildStoreActivities({ db: deps.database.db, pubsub: deps.database.pubsub, taskQueue: deps.taskQueue }),
    ...createLockActivities({ client: deps.client, taskQueue: deps.taskQueue, store, tuning: deps.lockTuning }),
    ...createJenkinsActivities({
      servers: jenkinsServers(deps.config, deps.env),
      pollIntervalMs: deps.jenkinsPollIntervalMs,
    }),
    ...createDockerActivities({ docker: deps.docker ?? new Docker() }),
    ...createJobLinkActivities({ db: deps.database.db, pubsub: deps.database.pubsub, client: deps.client }),
    ...createForgeActivities({ servers: forgeServers(deps.config, deps.env) }),
    ...createGitPollActivities({ db: deps.database.db }),
  };
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  // Workflow spans leave the sandbox through the exporter sink, which must exist even when
  // nothing exports them.
  const telemetry = deps.telemetry ?? setupTelemetry();
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    maxCachedWorkflows: deps.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    workflowBundle: deps.workflowBundle ?? (await bundleWorkflowsOutOfProcess()),
    activities: buildActivities(deps),
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(telemetry.spanProcessor, telemetry.resource) },
  });
}
