// /v1 outside reports with app.request(): an external deployer's status and "verification completed".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { answerOutsideReports, awaitingOutsideDeployer, deployed } from '../../test/support/outside-reports.js';

let api: ApiHarness;
let id: string;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
services:
  foas: { deploy: { "*": { type: external } } }
`,
  });
  answerOutsideReports(api);
  id = (await api.request('POST', '/v1/deployments', { as: 'requester', body: { service: 'foas', version: '1' } })).body
    .id;
});
afterAll(async () => api?.close());

const status = (body: unknown, as: 'reporter' | 'reader' = 'reporter', env = 'preprod') =>
  api.request('POST', `/v1/deployments/${id}/environments/${env}/status`, { as, body });
const verify = (body: unknown) => api.request('POST', `/v1/deployments/${id}/verification`, { as: 'reporter', body });

describe('POST /v1/deployments/:id/environments/:env/status', () => {
  it('is refused (409) before the outside deployer is asked', async () => {
    const res = await status({ status: 'STARTED' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('not waiting for an outside deployer');
  });

  it('moves CREATED → STARTED → FAILED; a repeat is acknowledged, a step back is 409', async () => {
    await awaitingOutsideDeployer(api, id);
    const started = await status({ status: 'STARTED', message: 'rolling out' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ duplicate: false });
    expect(started.body.deployment.environments[0].external).toMatchObject({
      status: 'STARTED',
      by: 'reporter',
      message: 'rolling out',
    });
    expect((await status({ status: 'STARTED' })).body.duplicate).toBe(true);
    expect((await status({ status: 'FAILED' })).status).toBe(200);
    expect((await status({ status: 'COMPLETED' })).status).toBe(409);
  });

  it('answers 400 to a bad body or environment, 403 without deploy:report, 404 for an unknown deployment', async () => {
    expect((await status({ status: 'CREATED' })).status).toBe(400);
    expect((await status({ status: 'STARTED', extra: 1 })).status).toBe(400);
    expect((await status({ status: 'STARTED' }, 'reporter', 'nowhere')).status).toBe(409);
    expect((await status({ status: 'STARTED' }, 'reader')).status).toBe(403);
    const missing = await api.request('POST', '/v1/deployments/dep-nope/environments/preprod/status', {
      body: { status: 'STARTED' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('POST /v1/deployments/:id/verification', () => {
  it('records a verification of a deployed environment as evidence, once', async () => {
    expect((await verify({ environment: 'preprod', passed: true })).status).toBe(409);
    await deployed(api, id);
    const res = await verify({ environment: 'preprod', passed: true, infoUrl: 'https://ci.example/verify/3' });
    expect(res.status).toBe(200);
    expect(res.body.deployment.environments[0].verification).toMatchObject({
      passed: true,
      by: 'reporter',
      infoUrl: 'https://ci.example/verify/3',
    });
    expect((await verify({ environment: 'preprod', passed: true })).body.duplicate).toBe(true);
    expect((await verify({ environment: 'preprod', passed: false })).status).toBe(409);
    const deploydb = await api.request('GET', `/api/deployments/${res.body.deployment.number}`, { as: 'reader' });
    expect(deploydb.body.promotions).toMatchObject([
      { id: 1, promotion: 'verification', status: 'SUCCESS', infoUrl: 'https://ci.example/verify/3' },
    ]);
  });

  it('answers 400 naming a bad field', async () => {
    for (const body of [
      { passed: true },
      { environment: 'preprod', passed: 'yes' },
      { environment: 'preprod', passed: true, infoUrl: 'x' },
    ]) {
      const res = await verify(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid');
    }
  });
});
