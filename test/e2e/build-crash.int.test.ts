// A worker process killed (SIGKILL) while a build step runs: the build does not run forever. Its
// host's restarted worker marks it errored with the reason, runs the onFailure hooks and removes
// the container and the workspace.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ configYaml: 'services: {}\n', inProcessWorker: false, heartbeatMs: 3000 });
});
afterAll(async () => stack.close());

it('ends a build whose worker died mid-step as errored, with the reason, and cleans up', async () => {
  const first = await stack.spawnWorker();
  await stack.call('PUT', '/v1/jobs/team/long', {
    body: {
      title: 'long',
      onFailure: 'echo job-onFailure-ran',
      stages: [{ title: 's', steps: [{ title: 'wait', command: 'echo started; sleep 120' }] }],
    },
  });
  const build = (await stack.call('POST', '/v1/jobs/team/long/builds', { body: {} })).body;
  await eventually(
    async () => (await stack.call('GET', `/v1/builds/${build.id}/log`)).text.includes('started'),
    'the step to start',
    60_000,
  );
  await first.kill('SIGKILL');

  await stack.spawnWorker();
  const done = await eventually(
    async () => {
      const b = (await stack.call('GET', `/v1/builds/${build.id}`)).body;
      return ['succeeded', 'failed', 'cancelled', 'errored'].includes(b.status) ? b : undefined;
    },
    'the build to end',
    90_000,
  );
  expect(done.status).toBe('errored');
  expect(done.reason).toMatch(/stopped running this command/);
  expect(done.commands.find((c: { key: string }) => c.key === 's/wait')).toMatchObject({ status: 'errored' });
  expect((await stack.call('GET', `/v1/builds/${build.id}/log`)).text).toContain('job-onFailure-ran');
  expect(await new Docker().listContainers({ all: true, filters: { label: [`slipway.build=${build.id}`] } })).toEqual(
    [],
  );
  expect(existsSync(join(stack.dataDir, 'workspaces', build.id))).toBe(false);
});
