// /v1/jobs with app.request(): a real database, Temporal faked (a trigger only starts a workflow).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.js';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  // release is deployed by a Slipway job; docs too, but its deployer opens the job to build tokens.
  api = await startApiHarness({
    configYaml: `${defaultConfigYaml}
  release: { group: 3, deploy: { "*": { type: job, job: deploy/release } } }
  docs: { group: 4, deploy: { live: { type: job, job: deploy/docs, allowDirectRuns: true }, "*": { type: job, job: deploy/docs-pre } } }
`,
  });
});
afterAll(async () => api?.close());

const job = {
  title: 'ci',
  parameters: [
    { title: 'TARGET', required: true },
    { title: 'TOKEN', secret: true, default: 'dflt' },
  ],
  stages: [{ title: 's', steps: [{ title: 't', command: 'echo hi' }] }],
};

describe('/v1/jobs', () => {
  it('creates, replaces, shows (secret defaults masked) and retires a job', async () => {
    expect((await api.request('PUT', '/v1/jobs/team/shop/ci', { as: 'builder', body: job })).status).toBe(201);
    expect((await api.request('PUT', '/v1/jobs/team/shop/ci', { as: 'builder', body: job })).status).toBe(200);
    const shown = await api.request('GET', '/v1/jobs/team/shop/ci', { as: 'reader' });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ path: 'team/shop/ci', definition: { title: 'ci' } });
    expect(shown.body.definition.parameters[1].default).toBe('***');
    const tree = await api.request('GET', '/v1/jobs', { as: 'reader' });
    expect(tree.body.jobs).toEqual([
      {
        name: 'team',
        path: 'team',
        type: 'folder',
        children: [
          {
            name: 'shop',
            path: 'team/shop',
            type: 'folder',
            children: [{ name: 'ci', path: 'team/shop/ci', type: 'job' }],
          },
        ],
      },
    ]);
    await api.request('PUT', '/v1/jobs/team/gone', { as: 'builder', body: job });
    expect((await api.request('DELETE', '/v1/jobs/team/gone', { as: 'builder' })).body).toEqual({ retired: true });
    expect((await api.request('GET', '/v1/jobs/team/gone')).status).toBe(404);
    expect((await api.request('DELETE', '/v1/jobs/team/gone', { as: 'builder' })).status).toBe(404);
  });

  it('shows credentials in the repository URL as ***, in the answer to PUT and to GET', async () => {
    const withUrl = { ...job, repository: { url: 'https://ci-bot:ghp_s3cr3tT0ken@git.example.com/acme/shop.git' } };
    const put = await api.request('PUT', '/v1/jobs/team/private', { as: 'builder', body: withUrl });
    expect(put.status).toBe(201);
    const shown = await api.request('GET', '/v1/jobs/team/private', { as: 'reader' });
    for (const res of [put, shown]) {
      expect(res.body.definition.repository.url).toBe('https://***@git.example.com/acme/shop.git');
      expect(res.text).not.toContain('ghp_s3cr3tT0ken');
    }
  });

  it('takes a YAML document', async () => {
    const yaml = 'title: y\nstages:\n  - title: s\n    steps:\n      - title: t\n        command: echo hi\n';
    const res = await api.request('PUT', '/v1/jobs/team/yaml', {
      as: 'builder',
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(201);
    expect(res.body.definition.title).toBe('y');
  });

  it('reads a body sent without a JSON content type as JSON, as curl -d sends it', async () => {
    const res = await api.request('PUT', '/v1/jobs/team/curl', {
      as: 'builder',
      body: JSON.stringify(job),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(201);
  });

  it('answers bad documents and paths with 400 naming the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      [
        'team/shop/bad',
        { title: 'x', stages: [{ title: 's', steps: [{ title: 't', command: '' }] }] },
        'stages.0.steps.0.command',
      ],
      ['team/shop/bad', { title: 'x', stages: [], extra: 1 }, 'stages'],
      ['team/shop/bad', { ...job, parameters: [{ title: 'A' }, { title: 'A' }] }, 'parameters.1.title'],
      ['team/builds/x', job, 'path'],
      ['team/-x', job, 'path'],
      ['team/shop/bad', '{not json', 'body'],
    ];
    for (const [path, body, field] of cases) {
      const res = await api.request('PUT', `/v1/jobs/${path}`, { as: 'builder', body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid', field });
    }
    const yaml = await api.request('PUT', '/v1/jobs/team/shop/bad', {
      as: 'builder',
      body: 'title: [',
      headers: { 'content-type': 'text/yaml' },
    });
    expect(yaml.body.error.message).toMatch(/^body: not valid YAML/);
  });

  it('needs jobs:write to change and a token to read', async () => {
    expect((await api.request('PUT', '/v1/jobs/team/x', { as: null, body: job })).status).toBe(401);
    expect((await api.request('PUT', '/v1/jobs/team/x', { as: 'reader', body: job })).status).toBe(403);
    expect((await api.request('DELETE', '/v1/jobs/team/shop/ci', { as: 'requester' })).status).toBe(403);
    expect((await api.request('GET', '/v1/jobs', { as: null })).status).toBe(401);
    expect((await api.request('GET', '/v1/jobs/team/shop/ci', { as: { token: 'slw_unknown' } })).status).toBe(401);
  });
});

describe('/v1/jobs/{path}/builds', () => {
  it('triggers a build: 201, the workflow started with the build id, secrets not in the answer', async () => {
    const res = await api.request('POST', '/v1/jobs/team/shop/ci/builds', {
      as: 'builder',
      body: { parameters: { TARGET: 'eu', TOKEN: 's3cr3t' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ job: 'team/shop/ci', number: 1, status: 'queued', parameters: { TARGET: 'eu' } });
    expect(res.text).not.toContain('s3cr3t');
    const [start] = api.temporal.callsOf('start').filter((c) => c.workflowId === res.body.id);
    expect(start).toMatchObject({ name: 'build', workflowId: res.body.id });
  });

  it('answers parameter errors with 400 naming the parameter', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'parameters.TARGET'],
      [{ parameters: { TARGET: 'x', NOPE: 'y' } }, 'parameters.NOPE'],
      [{ parameters: { TARGET: 1 } }, 'parameters.TARGET'],
      [{ parameters: ['TARGET'] }, 'parameters'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/v1/jobs/team/shop/ci/builds', { as: 'builder', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('an empty body gives no parameters', async () => {
    await api.request('PUT', '/v1/jobs/team/plain', { as: 'builder', body: { title: 'p', stages: job.stages } });
    expect((await api.request('POST', '/v1/jobs/team/plain/builds', { as: 'builder' })).status).toBe(201);
  });

  it('pages builds newest first and checks limit and before', async () => {
    for (let i = 0; i < 3; i++) await api.request('POST', '/v1/jobs/team/plain/builds', { as: 'builder', body: {} });
    const page = await api.request('GET', '/v1/jobs/team/plain/builds?limit=2', { as: 'reader' });
    expect(page.status).toBe(200);
    expect(page.body.builds.map((b: { number: number }) => b.number)).toEqual([4, 3]);
    expect(page.body.next).toBe(3);
    expect(
      (await api.request('GET', '/v1/jobs/team/plain/builds?before=3', { as: 'reader' })).body.builds.map(
        (b: { number: number }) => b.number,
      ),
    ).toEqual([2, 1]);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=x', 'limit'],
      ['before=0', 'before'],
      ['before=1.5', 'before'],
    ]) {
      const res = await api.request('GET', `/v1/jobs/team/plain/builds?${query}`, { as: 'reader' });
      expect(res.status, query).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await api.request('GET', '/v1/jobs/team/none/builds', { as: 'reader' })).status).toBe(404);
  });

  it('needs build:run to trigger', async () => {
    expect((await api.request('POST', '/v1/jobs/team/plain/builds', { as: null, body: {} })).status).toBe(401);
    expect((await api.request('POST', '/v1/jobs/team/plain/builds', { as: 'reader', body: {} })).status).toBe(403);
    expect((await api.request('POST', '/v1/jobs/team/none/builds', { as: 'builder', body: {} })).status).toBe(404);
  });

  it('answers 503 and marks the build when Temporal refuses the start', async () => {
    api.temporal.failStarts(new Error('unavailable'));
    try {
      const res = await api.request('POST', '/v1/jobs/team/plain/builds', { as: 'builder', body: {} });
      expect(res.status).toBe(503);
    } finally {
      api.temporal.failStarts(null);
    }
  });
});

describe('deploy jobs (run by a `type: job` deployer)', () => {
  const refusal = 'job deploy/release deploys service release; it runs only through a deployment';

  it('refuses build:run and jobs:write tokens with the reason: no trigger, rewrite or retirement', async () => {
    expect((await api.request('PUT', '/v1/jobs/deploy/release', { as: 'admin', body: job })).status).toBe(201);
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/v1/jobs/deploy/release/builds', { parameters: { TARGET: 'live' } }],
      ['PUT', '/v1/jobs/deploy/release', { ...job, title: 'rewritten' }],
      ['DELETE', '/v1/jobs/deploy/release', undefined],
      // Creating a job at a deploy job's path is as good as rewriting it.
      ['PUT', '/v1/jobs/deploy/docs-pre', job],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request(method, path, { as: 'builder', body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden' });
    }
    expect(
      (await api.request('POST', '/v1/jobs/deploy/release/builds', { as: 'builder', body: {} })).body.error.message,
    ).toBe(refusal);
    expect((await api.request('GET', '/v1/jobs/deploy/release', { as: 'reader' })).body.definition.title).toBe('ci');
    expect((await api.request('GET', '/v1/jobs/deploy/release/builds', { as: 'reader' })).body.builds).toEqual([]);
    expect((await api.request('GET', '/v1/jobs/deploy/docs-pre', { as: 'reader' })).status).toBe(404);
  });

  it('lets an admin run and change it, and a deployer with allowDirectRuns open it to build tokens', async () => {
    const res = await api.request('POST', '/v1/jobs/deploy/release/builds', {
      as: 'admin',
      body: { parameters: { TARGET: 'live' } },
    });
    expect(res.status).toBe(201);
    expect((await api.request('PUT', '/v1/jobs/deploy/docs', { as: 'builder', body: job })).status).toBe(201);
    const docs = await api.request('POST', '/v1/jobs/deploy/docs/builds', {
      as: 'builder',
      body: { parameters: { TARGET: 'live' } },
    });
    expect(docs.status).toBe(201);
  });

  it('audits every write and retirement of a job with its actor', async () => {
    const before = (await api.database.db.select().from(auditLog)).length;
    await api.request('PUT', '/v1/jobs/team/audited', { as: 'builder', body: job });
    await api.request('PUT', '/v1/jobs/team/audited', { as: 'admin', body: job });
    await api.request('DELETE', '/v1/jobs/team/audited', { as: 'builder' });
    const entries = (await api.database.db.select().from(auditLog).orderBy(auditLog.id)).slice(before);
    expect(entries.map(({ actor, action, subject }) => ({ actor, action, subject }))).toEqual([
      { actor: 'builder', action: 'job.create', subject: 'team/audited' },
      { actor: 'admin', action: 'job.replace', subject: 'team/audited' },
      { actor: 'builder', action: 'job.retire', subject: 'team/audited' },
    ]);
  });
});
