// The outbox: events derived from stored state in the state change's own transaction, once per
// fact, and fanned out to the sinks whose routes match.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventsConfig, sinkRoutes } from '../domain/event-config.js';
import { JobDefinition } from '../domain/job.js';
import type { GateResult } from '../domain/promotions.js';
import { advance, happyPath, requestedSnapshot } from '../test/support/deployment-snapshots.js';
import { freshDatabase } from '../test/support/pg.js';
import { registerArtifact } from './artifacts.js';
import { allocateBuild, recordBuild } from './builds.js';
import { openDatabase, type Database } from './client.js';
import { recordDeployment } from './deployments.js';
import { syncSinkRoutes } from './events.js';
import { saveJob } from './jobs.js';
import { eventDeliveries, events } from './schema.js';

let pg: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  database = await openDatabase({ url: pg.url, max: 4 });
  const config = EventsConfig.parse({
    subscribers: [
      { name: 'all', url: 'http://127.0.0.1:1/all', secretEnv: 'K' },
      { name: 'live-only', url: 'http://127.0.0.1:1/live', secretEnv: 'K', environment: 'live' },
      { name: 'completions', url: 'http://127.0.0.1:1/c', secretEnv: 'K', events: ['deployment.completed'] },
      { name: 'ddb', url: 'http://127.0.0.1:1/d', secretEnv: 'K', format: 'deploydb' },
    ],
    elasticsearch: { url: 'http://127.0.0.1:1' },
  });
  await syncSinkRoutes(database.db, sinkRoutes(config));
});
afterAll(async () => {
  await database?.close();
  await pg?.drop();
});

const eventsOf = (deploymentId: string) =>
  database.db.select().from(events).where(eq(events.deploymentId, deploymentId)).orderBy(asc(events.seq));
const deliveriesOf = async (eventId: string) =>
  (await database.db.select().from(eventDeliveries).where(eq(eventDeliveries.eventId, eventId)))
    .sort((a, b) => a.position - b.position)
    .map((d) => d.subscriber);

describe('events of a deployment', () => {
  it('follow its snapshots once each, in order, whatever is retried or arrives late', async () => {
    const snaps = happyPath('d-1');
    for (const s of snaps) await recordDeployment(database.db, s);
    await recordDeployment(database.db, snaps[2]!); // a retried, older snapshot
    await recordDeployment(database.db, snaps[4]!); // the newest again
    const rows = await eventsOf('d-1');
    expect(rows.map((e) => `${e.type}@${e.environment}`)).toEqual([
      'deployment.created@preprod',
      'deployment.started@preprod',
      'deployment.completed@preprod',
      'deployment.started@live',
      'deployment.completed@live',
    ]);
    expect(new Set(rows.map((e) => e.id)).size).toBe(5);
    expect(rows[2]!.payload).toMatchObject({
      deployment: { id: 'd-1', version: '1.0.0' },
      environment: { name: 'preprod', state: 'deployed' },
    });
  });

  it('a snapshot that skips states still yields their events', async () => {
    const s0 = requestedSnapshot('d-2', 'checkout', '2.0.0', 2);
    await recordDeployment(
      database.db,
      advance(advance(s0, 'preprod', { state: 'deploying', startedAt: new Date().toISOString() }), 'preprod', {
        state: 'failed',
        message: 'exit 1',
      }),
    );
    expect((await eventsOf('d-2')).map((e) => e.type)).toEqual([
      'deployment.created',
      'deployment.started',
      'deployment.failed',
    ]);
  });

  it('promotions and verifications come from the gate results of an environment', async () => {
    const at = new Date().toISOString();
    const s0 = requestedSnapshot('d-3', 'checkout', '3.0.0', 3);
    const deployed = advance(s0, 'preprod', { state: 'deployed', startedAt: at, finishedAt: at });
    const pending: GateResult = {
      name: 'qa',
      type: 'all-of',
      status: 'pending',
      requestedAt: at,
      evidence: [],
      parts: [{ name: 'tests', type: 'tests-reported', status: 'pending', requestedAt: at, evidence: [] }],
    };
    await recordDeployment(database.db, advance(deployed, 'preprod', { gates: [pending] }));
    const decided: GateResult = {
      ...pending,
      status: 'passed',
      decidedAt: at,
      parts: [
        {
          ...pending.parts![0]!,
          status: 'passed',
          decidedAt: at,
          evidence: [{ kind: 'tests', passed: true, by: 'ci', at, via: 'api' }],
        },
      ],
    };
    await recordDeployment(database.db, advance(advance(deployed, 'preprod', { gates: [decided] }), 'preprod', {}));
    expect((await eventsOf('d-3')).map((e) => e.type)).toEqual([
      'deployment.created',
      'deployment.started',
      'deployment.completed',
      'promotion.requested',
      'verification.completed',
      'promotion.decided',
    ]);
  });

  it('fan out to each matching sink: environment subscribers first, then global ones, then Elasticsearch', async () => {
    const rows = await eventsOf('d-1');
    expect(await deliveriesOf(rows[0]!.id)).toEqual(['all', 'ddb']); // created, preprod
    expect(await deliveriesOf(rows[4]!.id)).toEqual(['live-only', 'all', 'completions', 'ddb', 'elasticsearch']);
    const promotion = (await eventsOf('d-3')).find((e) => e.type === 'promotion.requested')!;
    expect(await deliveriesOf(promotion.id)).toEqual(['all']); // DeployDB has no "requested"
  });
});

describe('events of artifacts and builds', () => {
  it('artifact.registered once, and only with the registration', async () => {
    await registerArtifact(database.db, {
      service: 'checkout',
      module: 'checkout',
      digest: null,
      sourceUrl: null,
      version: '9.0.0',
      commit: null,
      registeredBy: 'ci',
    });
    await registerArtifact(database.db, {
      service: 'checkout',
      module: 'checkout',
      digest: null,
      sourceUrl: null,
      version: '9.0.0',
      commit: 'abc',
      registeredBy: 'ci',
    });
    const rows = await database.db.select().from(events).where(eq(events.type, 'artifact.registered'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toMatchObject({ artifact: { service: 'checkout', version: '9.0.0', commit: null } });
  });

  it('build.completed when the stored status becomes final', async () => {
    await saveJob(
      database.db,
      'ci/app',
      JobDefinition.parse({
        title: 'app',
        stages: [{ title: 's', steps: [{ title: 't', command: 'true' }] }],
      }) as unknown as Record<string, unknown>,
      null,
    );
    const alloc = await allocateBuild(database.db, 'test', 'ci/app', {}, 'alice');
    if (!alloc.ok) throw new Error(alloc.message);
    const base = {
      id: alloc.row.id,
      jobPath: 'ci/app',
      number: 1,
      commands: [],
      commit: null,
      ref: null,
      host: null,
      reason: null,
      startedAt: null,
      finishedAt: null,
    };
    await recordBuild(database.db, { ...base, status: 'running', seq: 1 });
    await recordBuild(database.db, { ...base, status: 'succeeded', finishedAt: new Date().toISOString(), seq: 2 });
    await recordBuild(database.db, { ...base, status: 'succeeded', finishedAt: new Date().toISOString(), seq: 3 });
    const rows = await database.db.select().from(events).where(eq(events.type, 'build.completed'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toMatchObject({ build: { jobPath: 'ci/app', status: 'succeeded' } });
    expect(await deliveriesOf(rows[0]!.id)).toEqual(['all', 'elasticsearch']);
  });
});

describe('the same transaction', () => {
  it('a state change that rolls back leaves no event and no delivery', async () => {
    const before = (await database.db.select().from(events)).length;
    const deliveriesBefore = (await database.db.select().from(eventDeliveries)).length;
    await expect(
      database.db.transaction(async (tx) => {
        await registerArtifact(tx, {
          service: 'checkout',
          module: 'checkout',
          digest: null,
          sourceUrl: null,
          version: '10.0.0',
          commit: null,
          registeredBy: 'ci',
        });
        await recordDeployment(tx, happyPath('d-rolled-back', 'checkout', '10.0.0', 10)[4]!);
        expect((await tx.select().from(events)).length).toBeGreaterThan(before);
        throw new Error('the change fails after the events were written');
      }),
    ).rejects.toThrow('the change fails');
    expect(await database.db.select().from(events)).toHaveLength(before);
    expect(await database.db.select().from(eventDeliveries)).toHaveLength(deliveriesBefore);
  });
});
