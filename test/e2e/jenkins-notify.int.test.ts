// The Jenkins Notification plugin wakes a waiting deployment at once: with polling slowed to a
// minute, the deployment still reaches PENDING_TESTS within seconds of the build finishing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitForState, type Stack } from '../support/stack.js';
import { deployParameters, startJenkinsStack } from '../support/jenkins-stack.js';
import type { FakeJenkins } from '../fakes/jenkins.js';

let stack: Stack;
let fake: FakeJenkins;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, fake, close } = await startJenkinsStack({ checkout: { group: 1 } }, { jenkinsPollIntervalMs: 60_000 }));
  fake.defineJob('release/deploy-checkout', {
    parameters: deployParameters,
    durationMs: 1500,
    queueDelayMs: 20,
    notify: { url: `${stack.url}/hooks/jenkins?access_token=${stack.tokens.reporter}` },
  });
});
afterAll(async () => close());

it('resumes on the FINALIZED notice instead of the next poll', async () => {
  const started = Date.now();
  const { body } = await stack.call('POST', '/v1/deployments', {
    token: stack.tokens.requester,
    body: { service: 'checkout', version: '5.0.0' },
  });
  const done = await waitForState(stack, body.id, 'PENDING_TESTS', 30_000);
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(done.environments[0].jenkins).toMatchObject({ buildNumber: 1, result: 'SUCCESS' });
});
