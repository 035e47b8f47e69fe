// /v1/deployments with app.request(): a real database, Temporal faked (a request starts the
// deployment workflow; results, approvals and cancels are its Updates).
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../db/tokens.js';
import { ErrorType } from '../../domain/errors.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

// hotfix skips pre-prod (Octopush's direct-to-live) and names its approver.
const configYaml = `direct-to-live: [hotfix]
${defaultConfigYaml}  hotfix: { group: 3, approvers: [lead], deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
`;

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({ configYaml });
});
afterAll(async () => api?.close());

/** A token with these scopes, named `name` (the name is what approvers lists). */
const tokenOf = async (name: string, scopes: string[]) => ({
  token: (await createToken(api.database.db, name, scopes, 'test')).token,
});

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

describe('scopes per service', () => {
  // The Updates are accepted again (a test above made reportTests refuse).
  beforeAll(() => api.temporal.answerUpdate('reportTests', () => ({ duplicate: false })));

  it('narrows deploy:request, deploy:report and deploy:approve to one service', async () => {
    const team = await tokenOf('checkout-team', ['deploy:request:checkout', 'deploy:report:checkout']);
    const ok = await api.request('POST', '/v1/deployments', {
      as: team,
      body: { service: 'checkout', version: '5.0.0' },
    });
    expect(ok.status).toBe(201);
    const other = await api.request('POST', '/v1/deployments', {
      as: team,
      body: { service: 'search', version: '5.0.0' },
    });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('this token lacks the scope deploy:request (or deploy:request:search)');
    const search = (await request({ service: 'search', version: '5.0.0' })).body.id;

    const report = (id: string) =>
      api.request('POST', `/v1/deployments/${id}/test-results`, { as: team, body: { passed: true } });
    expect((await report(ok.body.id)).status).toBe(200);
    const refused = await report(search);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('this token lacks the scope deploy:report (or deploy:report:search)');
    expect(api.temporal.callsOf('executeUpdate').filter((c) => c.workflowId === search)).toEqual([]);

    const searchApprover = await tokenOf('search-approver', ['deploy:approve:search']);
    expect((await api.request('POST', `/v1/deployments/${ok.body.id}/approve`, { as: searchApprover })).status).toBe(
      403,
    );
    expect((await api.request('POST', `/v1/deployments/${search}/approve`, { as: searchApprover })).status).toBe(200);
    expect((await api.request('POST', `/v1/deployments/${search}/cancel`, { as: team })).status).toBe(403);
  });

  it('needs approve rights and a place among the approvers to request a direct-to-live service', async () => {
    const body = { service: 'hotfix', version: '1.0.1' };
    const requester = await api.request('POST', '/v1/deployments', { as: 'requester', body });
    expect(requester.status).toBe(403);
    expect(requester.body.error.message).toBe('this token lacks the scope deploy:approve (or deploy:approve:hotfix)');
    const mallory = await tokenOf('mallory', ['deploy:request', 'deploy:approve']);
    const notListed = await api.request('POST', '/v1/deployments', { as: mallory, body });
    expect(notListed.status).toBe(403);
    expect(notListed.body.error.message).toBe('mallory is not an approver of hotfix (approvers: lead)');
    expect((await api.request('GET', '/v1/deployments?service=hotfix', { as: 'reader' })).body.deployments).toEqual([]);
    const lead = await tokenOf('lead', ['deploy:request:hotfix', 'deploy:approve:hotfix']);
    const accepted = await api.request('POST', '/v1/deployments', { as: lead, body });
    expect(accepted.status).toBe(201);
    // A rollback goes straight to live too: the approvers are asked before anything else.
    const rollback = await api.request('POST', `/v1/deployments/${accepted.body.id}/rollback`, { as: mallory });
    expect(rollback.status).toBe(403);
    expect(rollback.body.error.message).toBe('mallory is not an approver of hotfix (approvers: lead)');
    expect((await api.request('POST', `/v1/deployments/${accepted.body.id}/rollback`, { as: lead })).status).toBe(409);
    // A service that passes pre-prod first is requested with deploy:request alone.
    expect((await request({ service: 'checkout', version: '5.0.1', environment: 'live' })).status).toBe(201);
  });

  it("hands the caller's cancel scopes to the workflow, whose validator decides, and answers its refusal 403", async () => {
    const id = (await request({ service: 'search', version: '6.0.0' })).body.id;
    // An approver may try: whether the state needs deploy:request or deploy:approve is the workflow's call.
    expect((await api.request('POST', `/v1/deployments/${id}/cancel`, { as: 'approver' })).status).toBe(200);
    expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
      workflowId: id,
      name: 'cancel',
      args: [{ actor: 'approver', octopushRules: false, scopes: ['deploy:approve'] }],
    });
    const reason =
      'this token lacks the scope deploy:approve (or deploy:approve:search), which cancelling a deployment in status TESTS_PASSED needs';
    api.temporal.answerUpdate('cancel', () => {
      throw new WorkflowUpdateFailedError(
        'refused',
        ApplicationFailure.create({ type: ErrorType.Forbidden, message: reason, nonRetryable: true }),
      );
    });
    try {
      const refused = await api.request('POST', `/v1/deployments/${id}/cancel`, { as: 'requester' });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({ code: 'forbidden', message: reason });
      expect(api.temporal.callsOf('executeUpdate').at(-1)).toMatchObject({
        args: [{ actor: 'requester', scopes: ['deploy:request'] }],
      });
    } finally {
      api.temporal.answerUpdate('cancel', () => ({ duplicate: false }));
    }
  });
});

describe('auth.directToLive: requesters (the older rule)', () => {
  let loose: ApiHarness;
  beforeAll(async () => {
    loose = await startApiHarness({ configYaml: `auth: { directToLive: requesters }\n${configYaml}` });
  });
  afterAll(async () => loose?.close());

  it('lets deploy:request alone send a direct-to-live service to live', async () => {
    const res = await loose.request('POST', '/v1/deployments', {
      as: 'requester',
      body: { service: 'hotfix', version: '1.0.2' },
    });
    expect(res.status).toBe(201);
  });
});
