// /v1/matrix and /v1/audit over real Postgres: deployment snapshots projected as the store activity
// does (db/deployments.ts recordDeployment), the matrix now and at past moments, its rebuild from
// the stored snapshots, and the audit entries the snapshots imply.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeployment } from '../../db/deployments.js';
import { rebuildEnvironmentRecord } from '../../db/record-rebuild.js';
import type { DeploymentState, EnvironmentStatus } from '../../domain/deployment-state.js';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

const t = (minute: number) => new Date(Date.UTC(2026, 11, 1, 9, minute)).toISOString();

/** A snapshot of deployment `id` after the given environment steps (each: state and minute). */
function snapshot(
  id: string,
  version: string,
  envs: Array<[string, EnvironmentStatus['state'], number]>,
  extra: Partial<DeploymentState> = {},
): DeploymentState {
  const environments = envs.map(([environment, state, m]) => ({
    environment,
    state,
    queuedAt: t(m),
    ...(state !== 'queued' ? { startedAt: t(m + 1) } : {}),
    ...(state === 'deployed' || state === 'failed' || state === 'cancelled' ? { finishedAt: t(m + 2) } : {}),
  }));
  const lastMinute = Math.max(...envs.map(([, , m]) => m)) + 2;
  return {
    id,
    number: Number(id.replace(/\D/g, '')) || 1,
    service: 'checkout',
    version,
    requestor: 'ci',
    status: 'QUEUED',
    phase: 'queued',
    outcome: null,
    environment: envs.at(-1)![0],
    environments,
    waitingOn: null,
    approvals: [],
    testJobUrl: null,
    rollbackOf: null,
    transitions: [
      { seq: 1, from: null, to: 'QUEUED', phase: 'queued', actor: 'ci', reason: 'requested', at: t(lastMinute) },
    ],
    seq: lastMinute,
    ...extra,
  };
}

describe('/v1/matrix', () => {
  it('shows each version where it runs, what stands in each cell, now and at a past moment', async () => {
    const { db } = api.database;
    // 1.0.0 reached live at minute 12; 1.1.0 reached preprod at 22 and waits for its tests there.
    await recordDeployment(
      db,
      snapshot(
        'dep-1',
        '1.0.0',
        [
          ['preprod', 'deployed', 0],
          ['live', 'deployed', 10],
        ],
        {
          phase: 'finished',
          status: 'GO_LIVE_DONE',
          outcome: { status: 'succeeded', message: 'live' },
        },
      ),
    );
    await recordDeployment(
      db,
      snapshot('dep-2', '1.1.0', [['preprod', 'deployed', 20]], {
        phase: 'awaiting-tests',
        status: 'PENDING_TESTS',
        waitingOn: { kind: 'tests', environment: 'preprod', dueAt: t(59), onExpiry: 'fail' },
      }),
    );

    const now = await api.request('GET', '/v1/matrix', { as: 'reader' });
    expect(now.status).toBe(200);
    expect(now.body.environments).toEqual(['preprod', 'live']);
    const cell = (body: { cells: Array<{ environment: string }> }, env: string) =>
      body.cells.find((c) => c.environment === env);
    expect(cell(now.body, 'live')).toMatchObject({ service: 'checkout', version: '1.0.0', inFlight: [] });
    expect(cell(now.body, 'preprod')).toMatchObject({
      version: '1.1.0',
      inFlight: [{ deploymentId: 'dep-2', version: '1.1.0', kind: 'waiting', detail: { on: 'tests' } }],
    });

    // At minute 5: 1.0.0 was in preprod, and standing there (deployed, not yet moved on); live had nothing.
    const past = await api.request('GET', `/v1/matrix?at=${encodeURIComponent(t(5))}`, { as: 'reader' });
    expect(cell(past.body, 'preprod')).toMatchObject({
      version: '1.0.0',
      inFlight: [{ deploymentId: 'dep-1', kind: 'waiting' }],
    });
    expect(cell(past.body, 'live')).toBeUndefined();
    // At minute 11: 1.0.0 was deploying to live.
    const deploying = await api.request('GET', `/v1/matrix?at=${encodeURIComponent(t(11))}`, { as: 'reader' });
    expect(cell(deploying.body, 'live')).toMatchObject({ version: null, inFlight: [{ kind: 'deploying' }] });
  });

  it('is rebuilt from the stored snapshots, and a repeated snapshot appends nothing', async () => {
    const { db } = api.database;
    const count = async () =>
      Number(
        (
          (await db.execute(sql`select count(*)::int as n from environment_events`)) as unknown as Array<{ n: number }>
        )[0]!.n,
      );
    const before = await count();
    const answer = (await api.request('GET', '/v1/matrix', { as: 'reader' })).body;
    await db.execute(sql`delete from environment_events`);
    await rebuildEnvironmentRecord(db);
    await rebuildEnvironmentRecord(db);
    // The rebuild knows no transitions' order of waits beyond the snapshot: the cells are the same.
    expect((await api.request('GET', '/v1/matrix', { as: 'reader' })).body.cells).toEqual(answer.cells);
    expect(await count()).toBe(before);
  });

  it('refuses a time it cannot read, naming the field', async () => {
    const res = await api.request('GET', '/v1/matrix?at=yesterday', { as: 'reader' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('at');
    expect((await api.request('GET', '/v1/matrix', { as: null })).status).toBe(401);
  });
});

describe('/v1/audit', () => {
  it('records approvals, cancels and rollbacks once each, with reason and before/after', async () => {
    const { db } = api.database;
    const approved = snapshot('dep-3', '2.0.0', [['preprod', 'deployed', 30]], {
      approvals: [
        { by: 'alice', at: t(40) },
        { by: 'bob', at: t(41) },
      ],
    });
    await recordDeployment(db, approved);
    await recordDeployment(db, { ...approved, seq: approved.seq + 1 });
    const cancelled = snapshot('dep-4', '2.0.1', [['preprod', 'cancelled', 30]], {
      phase: 'finished',
      status: 'DEPLOY_FAILED',
      outcome: { status: 'cancelled', message: 'cancelled by carol: <b>wrong build</b>' },
      transitions: [
        { seq: 1, from: null, to: 'QUEUED', phase: 'queued', actor: 'ci', reason: 'requested', at: t(30) },
        {
          seq: 2,
          from: 'QUEUED',
          to: 'DEPLOY_FAILED',
          phase: 'finished',
          actor: 'carol',
          reason: 'cancelled',
          at: t(33),
        },
      ],
    });
    await recordDeployment(db, cancelled);
    await recordDeployment(
      db,
      snapshot('dep-5', '0.9.0', [['live', 'queued', 50]], { rollbackOf: 'dep-1', requestor: 'dave' }),
    );

    const res = await api.request('GET', '/v1/audit?limit=50', { as: 'admin' });
    expect(res.status).toBe(200);
    const of = (action: string) => res.body.entries.filter((e: { action: string }) => e.action === action);
    expect(
      of('deployment.approve')
        .map((e: { actor: string }) => e.actor)
        .sort(),
    ).toEqual(['alice', 'bob']);
    expect(of('deployment.approve')[0]).toMatchObject({ subject: 'dep-3', after: { approvals: 2, version: '2.0.0' } });
    expect(of('deployment.cancel')).toEqual([
      expect.objectContaining({
        actor: 'carol',
        subject: 'dep-4',
        reason: 'cancelled by carol: <b>wrong build</b>',
        before: { status: 'QUEUED' },
        after: { status: 'DEPLOY_FAILED' },
      }),
    ]);
    expect(of('deployment.rollback')).toEqual([
      expect.objectContaining({ actor: 'dave', before: { deployment: 'dep-1' } }),
    ]);
    expect(res.text).not.toContain('"key"');
  });

  it('lists token changes, filters, pages and is for admins only', async () => {
    await api.request('POST', '/v1/tokens', {
      as: 'admin',
      body: { name: 'deployer-bot', scopes: ['deploy:request'] },
    });
    const tokens = await api.request('GET', '/v1/audit?action=token.create', { as: 'admin' });
    expect(tokens.body.entries.map((e: { detail: { name: string } }) => e.detail.name)).toContain('deployer-bot');
    expect(tokens.text).not.toMatch(/slw_[A-Za-z0-9]/);

    const first = await api.request('GET', '/v1/audit?limit=2', { as: 'admin' });
    expect(first.body.entries).toHaveLength(2);
    const second = await api.request('GET', `/v1/audit?limit=2&before=${first.body.next}`, { as: 'admin' });
    expect(second.body.entries[0].id).toBeLessThan(first.body.entries[1].id);

    expect((await api.request('GET', '/v1/audit', { as: 'reader' })).status).toBe(403);
    const bad = await api.request('GET', '/v1/audit?since=soon', { as: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('since');
  });
});
