// Parameters an attacker (or a careless script) chooses: numbers out of range, names of Object's
// prototype, huge ids. Every /v1 and Octopush route answers them with a 4xx naming the field (or,
// on Octopush routes that always answer 200, with its error JSON), never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api?.close());

const prototypeNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
const hostileValues = [
  ...prototypeNames,
  '-1',
  '0',
  '1.5',
  '1e309',
  '3000000000',
  '99999999999999999999',
  'x'.repeat(2000),
];

describe('hostile parameters', () => {
  it('answer an Octopush listing pageSize that is not a whole number from 1 with 400 naming the field', async () => {
    for (const path of ['/all', '/staging/queued', '/prod/deployed'])
      for (const pageSize of ['-1', '0', '1.5', 'abc', '1e3', '99999999999999999999']) {
        const res = await api.request('GET', `${path}?pageSize=${pageSize}`);
        expect([res.status, res.body], `${path}?pageSize=${pageSize}`).toEqual([
          400,
          {
            status: 'error',
            message: 'pageSize must be a whole number from 1 (at most 500 are listed)',
            field: 'pageSize',
          },
        ]);
      }
    expect((await api.request('GET', '/staging/queued?pageSize=5000')).status).toBe(200);
    expect((await api.request('GET', '/all?pageSize=')).status).toBe(200);
  });

  it('refuse a service named after an Object property', async () => {
    for (const service of prototypeNames) {
      const native = await api.request('POST', '/v1/deployments', { as: 'requester', body: { service, version: '1' } });
      expect([native.status, native.body.error?.field], service).toEqual([400, 'service']);
      const octopush = await api.request('POST', '/jobs/create', {
        as: 'requester',
        body: { module: service, version: '1' },
      });
      expect(octopush.body, service).toEqual({ status: 'error', message: `${service} is not a valid module to push.` });
      const pushed = await api.request('GET', `/environments/staging/modules/${service}/versions/1/push`, {
        as: 'requester',
      });
      expect(pushed.body.message, service).toBe(`${service} is not a valid module to push.`);
    }
    expect(api.temporal.callsOf('start')).toEqual([]);
  });

  it('find no deployment for a number past the column range', async () => {
    const big = '99999999999999999999';
    for (const [method, path] of [
      ['GET', `/v1/deployments/${big}`],
      ['GET', '/v1/deployments/2147483648'],
      ['POST', `/v1/deployments/${big}/approve`],
      ['POST', `/v1/deployments/${big}/cancel`],
      ['POST', `/v1/deployments/${big}/rollback`],
    ] as const)
      expect((await api.request(method, path)).status, `${method} ${path}`).toBe(404);
    for (const action of ['golive', 'cancel', 'rollback', 'status']) {
      const res = await api.request('GET', `/jobs/${big}/${action}`);
      expect([res.status, res.text.includes('rror')], action).toEqual([200, true]);
    }
  });

  it('never get a 500 from any documented /v1 route or Octopush route', async () => {
    const doc = (await api.request('GET', '/v1/openapi.json', { as: null })).body as {
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
    };
    const failures: string[] = [];
    const probe = async (method: string, path: string, body?: unknown) => {
      const res = await api.request(method, path, { body });
      if (res.status >= 500) failures.push(`${res.status} ${method} ${path.slice(0, 100)}`);
    };
    for (const [template, operations] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(operations)) {
        const verb = method.toUpperCase();
        const body = verb === 'GET' || verb === 'DELETE' ? undefined : {};
        for (const value of hostileValues)
          await probe(verb, `/v1${template.replace(/\{[^}]+\}/g, encodeURIComponent(value))}`, body);
        for (const query of (op.parameters ?? []).filter((p) => p.in === 'query'))
          for (const value of hostileValues)
            await probe(
              verb,
              `/v1${template.replace(/\{[^}]+\}/g, 'checkout')}?${query.name}=${encodeURIComponent(value)}`,
              body,
            );
      }
    const octopush = [
      '/all',
      '/staging/inprogress',
      '/deploying',
      '/status',
      '/run',
      '/jobs/{x}/status',
      '/status/{x}',
    ];
    for (const value of hostileValues) {
      for (const path of octopush)
        await probe('GET', `${path.replace('{x}', encodeURIComponent(value))}?repo=${encodeURIComponent(value)}`);
      for (const action of ['golive', 'cancel', 'rollback', 'tests/true'])
        await probe('GET', `/jobs/${encodeURIComponent(value)}/${action}`);
      for (const action of ['register_test_job_url', 'register_test_job_result'])
        await probe('POST', `/jobs/${encodeURIComponent(value)}/${action}`, {
          test_job_url: 'https://ci/1/',
          success: 'true',
        });
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
