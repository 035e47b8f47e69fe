import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Context } from '@temporalio/activity';
import type Docker from 'dockerode';
import { createBuildHostActivities } from '../activities/build-host.js';
import { createBuildLogSink } from '../activities/build-logs.js';
import { createBuildRunnerActivities, type BuildRunnerActivities } from '../activities/build-runner.js';
import { buildSecretValues } from '../db/builds.js';
import type { Database } from '../db/client.js';
import type { BuildsConfig } from '../domain/build-limits.js';
import { withSecretValues } from '../domain/secret-parameters.js';
import { buildClaimQueue, buildHostQueue } from '../workflows/build.messages.js';

// A build host: it takes build claims from the shared queue and runs every activity of the builds
// it claimed on its own queue, where their workspaces and containers live.

export interface BuildHostDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  database: Database;
  docker: Docker;
  dataDir: string;
  hostName?: string;
  /** The configuration's `builds:` (limits, network, root); absent: the documented defaults. */
  builds?: BuildsConfig;
}

/**
 * A build's secret values, read once per build on its host (every step needs them; they do not
 * change during a build). Bounded: the oldest builds' entries go first.
 */
function cachedSecrets(read: (buildId: string) => Promise<Record<string, string>>, max = 500) {
  const cache = new Map<string, Promise<Record<string, string>>>();
  return (buildId: string) => {
    let found = cache.get(buildId);
    if (!found) {
      found = read(buildId);
      found.catch(() => cache.delete(buildId));
      cache.set(buildId, found);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
    }
    return found;
  };
}

/**
 * Secret parameter values join a command's environment here, on the host, never in history. An
 * untrusted build's (a pull request's) are not even read: none should exist, and masking is no
 * defence against code that prints a secret encoded.
 */
export function withSecrets(
  runner: BuildRunnerActivities,
  secretsOf: (buildId: string) => Promise<Record<string, string>>,
): BuildRunnerActivities {
  const secretsFor = async (input: { buildId: string; trusted?: boolean }) =>
    input.trusted === false ? {} : secretsOf(input.buildId);
  return {
    ...runner,
    async buildCheckout(input) {
      return runner.buildCheckout({ ...input, secrets: Object.values(await secretsFor(input)) });
    },
    async buildStart(input) {
      return runner.buildStart({ ...input, ...withSecretValues(input.env, await secretsFor(input)) });
    },
    async buildExec(input) {
      return runner.buildExec({ ...input, ...withSecretValues(input.env, await secretsFor(input)) });
    },
  };
}

export async function createBuildHostWorkers(deps: BuildHostDeps): Promise<Worker[]> {
  const hostName = deps.hostName ?? hostname();
  const runner = createBuildRunnerActivities({
    docker: deps.docker,
    hostName,
    workspaceRoot: join(deps.dataDir, 'workspaces'),
    builds: deps.builds,
    logs: createBuildLogSink({ db: deps.database.db, pubsub: deps.database.pubsub, dataDir: deps.dataDir }),
  });
  const common = {
    connection: deps.connection,
    namespace: deps.namespace,
    interceptors: { activity: [(ctx: Context) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })] },
  };
  return Promise.all([
    Worker.create({
      ...common,
      taskQueue: buildClaimQueue(deps.taskQueue),
      activities: createBuildHostActivities({ taskQueue: deps.taskQueue, hostName }),
    }),
    Worker.create({
      ...common,
      taskQueue: buildHostQueue(deps.taskQueue, hostName),
      activities: withSecrets(
        runner,
        cachedSecrets((buildId) => buildSecretValues(deps.database.db, buildId)),
      ),
    }),
  ]);
}
