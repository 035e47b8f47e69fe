// The environment lock's invariant, driven hard: 100 requests through one exclusive lock that
// continues as new every 10 events, on a worker with a cache of two workflows (nearly every task
// replays).
// Grants follow request order, holders never overlap, a grant follows each release within 5 s,
// and at the end nobody waits and nobody holds.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createLockActivities } from '../../activities/locks.js';
import { createStoreActivities } from '../../activities/store.js';
import { openDatabase, type Database } from '../../db/client.js';
import { environmentLockWorkflowId } from '../../domain/ids.js';
import {
  acquireSignal,
  environmentLockWorkflowType,
  lockSignalWithStartOptions,
  lockStateQuery,
  releaseSignal,
  setPausedSignal,
} from '../../workflows/environment-lock.messages.js';
import { connectTemporal, type TemporalClients } from '../../infra/runtime.js';
import { replayTaskQueue } from '../support/replay-all.js';
import { eventually } from '../support/stack.js';
import { freshDatabase } from '../support/pg.js';
import type { ProbeInput, ProbeNote } from '../workflows/lock-probe.js';

const REQUESTS = 100;
const ENV = 'preprod';
const taskQueue = `lock-${randomBytes(4).toString('hex')}`;
const notes: Array<ProbeNote & { at: number }> = [];
let temporal: TemporalClients;
let database: Database;
let dropDatabase: () => Promise<void>;
let bundle: WorkflowBundleWithSourceMap;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  const pg = await freshDatabase(inject('databaseUrl'));
  dropDatabase = pg.drop;
  database = await openDatabase({ url: pg.url, max: 5 });
  temporal = await connectTemporal(inject('temporalAddress'), 'default');
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows/lock-probe.ts', import.meta.url)),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const store = createStoreActivities({ db: database.db, pubsub: database.pubsub });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
    namespace: 'default',
    taskQueue,
    workflowBundle: bundle,
    maxCachedWorkflows: 2, // the SDK's smallest cache (it takes 1 as 2)
    activities: {
      ...store,
      ...createLockActivities({
        client: temporal.client,
        taskQueue,
        store,
        tuning: { livenessCheckSeconds: 60, maxHistoryEvents: 10 },
      }),
      async noteProbe(note: ProbeNote) {
        notes.push({ ...note, at: Date.now() });
      },
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await temporal?.close();
  await database?.close();
  await dropDatabase?.();
});

it('grants 100 requests in order, one holder at a time, each within 5 s of the last release, across continue-as-new', async () => {
  const lockId = environmentLockWorkflowId(taskQueue, ENV);
  // Paused until every request waits, so the grant order is the request order alone.
  const paused = {
    taskQueue,
    environment: ENV,
    concurrency: 'exclusive' as const,
    paused: true,
    tuning: { livenessCheckSeconds: 60, maxHistoryEvents: 10 },
  };
  await temporal.client.workflow.signalWithStart(
    environmentLockWorkflowType,
    lockSignalWithStartOptions(paused, setPausedSignal, { paused: true }),
  );
  const probes = await Promise.all(
    [...Array(REQUESTS).keys()].map(async (order) => {
      const input: ProbeInput = {
        environment: ENV,
        requestId: `probe-${order}@${ENV}`,
        service: `svc-${order}`,
        group: '1',
        order,
        holdMs: 0,
      };
      return temporal.client.workflow.start('lockProbe', {
        workflowId: `probe-${order}-${taskQueue}`,
        taskQueue,
        args: [input],
      });
    }),
  );
  const lock = temporal.client.workflow.getHandle(lockId);
  await eventually(
    async () => (await lock.query(lockStateQuery)).waiters.length === REQUESTS,
    `${REQUESTS} waiters`,
    60_000,
  );
  await lock.signal(setPausedSignal, { paused: false });

  await Promise.all(probes.map((p) => p.result()));
  const granted = notes.filter((n) => n.what === 'granted');
  expect(granted.map((n) => n.requestId)).toEqual([...Array(REQUESTS).keys()].map((i) => `probe-${i}@${ENV}`));
  // In time order, each holder is granted and releases before the next one is granted.
  expect(notes.map((n) => n.what)).toEqual([...Array(REQUESTS)].flatMap(() => ['granted', 'releasing']));
  const gaps = granted.slice(1).map((g, i) => g.at - notes[2 * i + 1]!.at);
  expect(Math.max(...gaps), `release → next grant, ms: ${gaps.join(' ')}`).toBeLessThan(5_000);

  const final = await eventually(async () => {
    const s = await lock.query(lockStateQuery);
    return s.holders.length + s.waiters.length === 0 ? s : undefined;
  }, 'an empty lock');
  expect(final.paused).toBe(false);
  const runs: string[] = [];
  for await (const w of temporal.client.workflow.list({ query: `WorkflowId = '${lockId}'` })) runs.push(w.status.name);
  expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThan(10);

  const summary = await replayTaskQueue(temporal.client, taskQueue, bundle);
  expect(summary.failures).toEqual([]);
}, 300_000);

it('ignores a request whose release came first (a requester cancelled while its request was on the way)', async () => {
  const env = 'early-release';
  const lockId = environmentLockWorkflowId(taskQueue, env);
  const lockArgs = {
    taskQueue,
    environment: env,
    concurrency: 'exclusive' as const,
    paused: false,
    tuning: { livenessCheckSeconds: 60 },
  };
  await temporal.client.workflow.signalWithStart(
    environmentLockWorkflowType,
    lockSignalWithStartOptions(lockArgs, setPausedSignal, { paused: false }),
  );
  const probe = (name: string, order: number, request: boolean) =>
    temporal.client.workflow.start('lockProbe', {
      workflowId: `${name}-${taskQueue}`,
      taskQueue,
      args: [
        {
          environment: env,
          requestId: `${name}@${env}`,
          service: name,
          group: '1',
          order,
          holdMs: 60_000,
          request,
        } satisfies ProbeInput,
      ],
    });
  const late = await probe('late', 0, false);
  const lock = temporal.client.workflow.getHandle(lockId);
  await lock.signal(releaseSignal, { requestId: `late@${env}` });
  await lock.signal(acquireSignal, {
    requestId: `late@${env}`,
    workflowId: late.workflowId,
    service: 'late',
    group: '1',
    order: 0,
  });
  // Signals are handled in order: once the next request holds the lock, the late one was handled.
  const next = await probe('next', 1, true);
  const state = await eventually(async () => {
    const s = await lock.query(lockStateQuery);
    return s.holders.length > 0 ? s : undefined;
  }, 'a holder');
  expect(state.holders.map((h) => h.requestId)).toEqual([`next@${env}`]);
  expect(state.waiters).toEqual([]);
  await Promise.all([late.terminate(), next.terminate()]);
});
