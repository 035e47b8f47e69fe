// /v1/services with app.request(): configured services, never a deployer's credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
jenkins: { release: { url: "http://jenkins.test", user: deployer, tokenEnv: JENKINS_TOKEN } }
direct-to-live: [hotfix]
services:
  checkout: { group: 1, approvers: [alice], deploy: { "*": { type: jenkins, server: release, job: release/deploy-checkout } } }
  hotfix: { deploy: { "*": { type: docker, image: busybox, command: "true" } } }
`,
  });
});
afterAll(async () => api?.close());

describe('/v1/services', () => {
  it('lists services with pipeline, deployers and versions', async () => {
    const res = await api.request('GET', '/v1/services', { as: 'reader' });
    expect(res.status).toBe(200);
    const [checkout, hotfix] = res.body.services;
    expect(checkout).toMatchObject({
      name: 'checkout',
      group: '1',
      pipeline: ['preprod', 'live'],
      directToLive: false,
      approvers: ['alice'],
      versions: { preprod: null, live: null },
    });
    expect(checkout.deploy['*']).toEqual({
      type: 'jenkins',
      server: 'release',
      url: 'http://jenkins.test',
      job: 'release/deploy-checkout',
    });
    expect(hotfix).toMatchObject({
      name: 'hotfix',
      directToLive: true,
      deploy: { '*': { type: 'docker', image: 'busybox', command: 'true' } },
    });
    expect(res.text).not.toContain('JENKINS_TOKEN');
  });

  it('needs a token', async () => {
    expect((await api.request('GET', '/v1/services', { as: null })).status).toBe(401);
    expect((await api.request('GET', '/v1/services', { as: { token: 'slw_nope' } })).status).toBe(401);
  });
});
