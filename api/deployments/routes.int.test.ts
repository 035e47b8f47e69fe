// /v1/deployments with app.request(): a real database, Temporal faked (a request starts the
// deployment workflow; results, approvals and cancels are its Updates).
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

const request = (body: unknown, key?: string) =>
  api.request('POST', '/v1/deployments', { as: 'requester', body, headers: key ? { 'idempotency-key': key } : {} });

describe('POST /v1/deployments', () => {
  it('records the deployment, starts its workflow and answers 201; the same key again answers 200 with it', async () => {
    const first = await request({ service: 'checkout', version: '1.0.0' }, 'build-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      service: 'checkout',
      version: '1.0.0',
      state: 'QUEUED',
      requestor: 'requester',
      links: { self: `/v1/deployments/${first.body.id}` },
    });
    expect(api.temporal.callsOf('start').filter((c) => c.workflowId === first.body.id)).toEqual([
      expect.objectContaining({ name: 'deployment' }),
    ]);
    const again = await request({ service: 'checkout', version: '1.0.0' }, 'build-1');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('answers bad input with 400 naming the field, and writes nothing', async () => {
    const before = (await api.request('GET', '/v1/deployments', { as: 'reader' })).body.deployments.length;
    const cases: Array<[unknown, string]> = [
      [{ version: '1.0.0' }, 'service'],
      [{ service: 'checkout', version: 'has spaces' }, 'version'],
      [{ service: 'checkout', version: 42 }, 'version'],
      [{ service: 'nope', version: '1.0.0' }, 'service'],
      [{ service: 'checkout', version: '1.0.0', environment: 'qa' }, 'environment'],
      [{ service: 'checkout', version: '1.0.0', extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await request(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field });
    }
    expect((await api.request('GET', '/v1/deployments', { as: 'reader' })).body.deployments).toHaveLength(before);
  });

  it('answers 503 and keeps no row when Temporal refuses the start', async () => {
    api.temporal.failStarts(new Error('unavailable'));
    try {
      expect((await request({ service: 'search', version: '9.9.9' })).status).toBe(503);
    } finally {
      api.temporal.failStarts(null);
    }
    expect((await api.request('GET', '/v1/deployments?service=search', { as: 'reader' })).body.deployments).toEqual([]);
  });

  it('needs deploy:request', async () => {
    expect(
      (await api.request('POST', '/v1/deployments', { as: null, body: { service: 'checkout', version: '1.0.0' } }))
        .status,
    ).toBe(401);
    expect(
      (
        await api.request('POST', '/v1/deployments', {
          as: 'reporter',
          body: { service: 'checkout', version: '1.0.0' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('GET /v1/deployments', () => {
  it('lists newest first with filters, and shows one by id or number', async () => {
    const second = (await request({ service: 'search', version: '2.0.0' })).body;
    const list = await api.request('GET', '/v1/deployments?service=search&limit=5', { as: 'reader' });
    expect(list.status).toBe(200);
    expect(list.body.deployments.map((d: { id: string }) => d.id)).toEqual([second.id]);
    const byNumber = await api.request('GET', `/v1/deployments/${second.number}`, { as: 'reader' });
    expect(byNumber.status).toBe(200);
    expect(byNumber.body).toMatchObject({ id: second.id, transitions: expect.any(Array) });
    expect((await api.request('GET', '/v1/deployments/dep-none', { as: 'reader' })).status).toBe(404);
  });

  it('answers bad filters with 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['state=DONE', 'state'],
      ['before=-1', 'before'],
    ]) {
      const res = await api.request('GET', `/v1/deployments?${query}`, { as: 'reader' });
      expect(res.status, query).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('needs a token', async () => {
    expect((await api.request('GET', '/v1/deployments', { as: null })).status).toBe(401);
  });
});

describe("the deployment workflow's Updates", () => {
  let id: string;
  beforeAll(async () => {
    id = (await request({ service: 'checkout', version: '3.0.0' })).body.id;
  });

  it('reports a test result with its test job URL in one Update', async () => {
    const res = await api.request('POST', `/v1/deployments/${id}/test-results`, {
      as: 'reporter',
      body: { passed: true, testJobUrl: 'https://ci.example/job/t/1/' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ duplicate: false, deployment: { id } });
    const updates = api.temporal.callsOf('executeUpdate').filter((c) => c.workflowId === id);
    expect(updates).toMatchObject([
      { name: 'reportTests', args: [{ passed: true, testJobUrl: 'https://ci.example/job/t/1/', actor: 'reporter' }] },
    ]);
  });

  it("answers 409 with the validator's reason when the workflow refuses", async () => {
    api.temporal.answerUpdate('reportTests', () => {
      throw new WorkflowUpdateFailedError(
        'refused',
        ApplicationFailure.create({ message: 'no test result is awaited (status QUEUED)' }),
      );
    });
    const sent = api.temporal.callsOf('executeUpdate').length;
    const res = await api.request('POST', `/v1/deployments/${id}/test-results`, {
      as: 'reporter',
      body: { passed: false, testJobUrl: 'https://ci.example/job/t/2/' },
    });
    expect(res.status).toBe(409);
    // The URL rode on the refused Update alone: no other message could have recorded it.
    expect(api.temporal.callsOf('executeUpdate').slice(sent)).toMatchObject([
      { name: 'reportTests', args: [{ testJobUrl: 'https://ci.example/job/t/2/' }] },
    ]);
    expect(res.body.error).toMatchObject({
      code: 'refused',
      message: 'no test result is awaited (status QUEUED)',
      detail: { status: 'QUEUED' },
    });
  });

  it('approves and cancels with the scopes the state asks for', async () => {
    expect((await api.request('POST', `/v1/deployments/${id}/approve`, { as: 'requester' })).status).toBe(403);
    expect((await api.request('POST', `/v1/deployments/${id}/approve`, { as: 'approver' })).status).toBe(200);
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      name: 'approve',
      args: [{ actor: 'approver' }],
    });
    // Queued: the requester may cancel.
    const cancel = await api.request('POST', `/v1/deployments/${id}/cancel`, {
      as: 'requester',
      body: { reason: 'wrong build' },
    });
    expect(cancel.status).toBe(200);
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      name: 'cancel',
      args: [{ actor: 'requester', reason: 'wrong build', octopushRules: false }],
    });
    expect((await api.request('POST', `/v1/deployments/${id}/cancel`, { as: 'reporter' })).status).toBe(403);
    expect((await api.request('POST', '/v1/deployments/dep-none/approve', { as: 'approver' })).status).toBe(404);
  });

  it('checks the bodies of results, approvals and cancels', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['test-results', {}, 'passed'],
      ['test-results', { passed: 'yes' }, 'passed'],
      ['test-results', { passed: true, testJobUrl: 'not a url' }, 'testJobUrl'],
      ['approve', { version: 3 }, 'version'],
      ['cancel', { reason: 'x'.repeat(501) }, 'reason'],
      ['cancel', { why: 'x' }, 'why'],
    ];
    for (const [action, body, field] of cases) {
      const res = await api.request('POST', `/v1/deployments/${id}/${action}`, { as: 'admin', body });
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('rolls back only a deployment that went live', async () => {
    const res = await api.request('POST', `/v1/deployments/${id}/rollback`, { as: 'approver' });
    expect(res.status).toBe(409);
    expect((await api.request('POST', `/v1/deployments/${id}/rollback`, { as: 'requester' })).status).toBe(403);
  });
});
