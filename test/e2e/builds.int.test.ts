// Builds end to end: job definitions over the API, a real Docker engine, logs in Postgres and on disk.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const docker = new Docker();

beforeAll(async () => {
  stack = await startStack({ configYaml: 'services: {}\n' });
});
afterAll(async () => {
  await stack.close();
  const left = await docker.listContainers({ all: true, filters: { label: ['slipway.build'] } });
  expect(left.filter((c) => c.Labels['slipway.host'] === `host-${stack.taskQueue}`)).toEqual([]);
});

const put = (path: string, body: unknown) => stack.call('PUT', `/v1/jobs/${path}`, { body });
const trigger = (path: string, parameters?: Record<string, string>) =>
  stack.call('POST', `/v1/jobs/${path}/builds`, { body: parameters ? { parameters } : {} });
const finished = (id: string, timeoutMs = 60_000) =>
  eventually(
    async () => {
      const b = (await stack.call('GET', `/v1/builds/${id}`)).body;
      return ['succeeded', 'failed', 'cancelled', 'errored'].includes(b.status) ? b : undefined;
    },
    `build ${id} to finish`,
    timeoutMs,
  );
const logOf = async (id: string, stage?: string, step?: string) =>
  (await stack.call('GET', `/v1/builds/${id}/log${stage ? `?stage=${stage}&step=${step}` : ''}`)).text;

const marker = (name: string) => `echo ${name} >> /workspace/markers`;
const hooked = (failing: boolean) => ({
  title: 'hooks',
  onStart: marker('job-onStart'),
  onSuccess: `${marker('job-onSuccess')}; cat /workspace/markers`,
  onFailure: `${marker('job-onFailure')}; cat /workspace/markers`,
  stages: [
    {
      title: 'Build',
      onStart: marker('build-onStart'),
      onSuccess: marker('build-onSuccess'),
      onFailure: marker('build-onFailure'),
      steps: [
        { title: 'compile', command: marker('build-compile') },
        { title: 'lint', command: `${marker('build-lint')}; exit 3`, ignoreExitCode: true },
      ],
    },
    {
      title: 'Test',
      onStart: `${marker('test-onStart')}; exit 9`,
      onSuccess: marker('test-onSuccess'),
      onFailure: marker('test-onFailure'),
      steps: [
        { title: 'unit', command: `${marker('test-unit')}; ${failing ? 'exit 1' : 'true'}` },
        { title: 'e2e', command: marker('test-e2e') },
      ],
    },
    { title: 'Package', steps: [{ title: 'zip', command: marker('package-zip') }] },
  ],
});

describe('builds', () => {
  it('runs hooks and steps in the seed order on success, ignoring hook exit codes and ignoreExitCode steps', async () => {
    expect((await put('team/shop/hooks-ok', hooked(false))).status).toBe(201);
    const build = (await trigger('team/shop/hooks-ok')).body;
    expect(build).toMatchObject({ number: 1, status: 'queued' });
    const done = await finished(build.id);
    expect(done.status).toBe('succeeded');
    expect((await logOf(build.id, 'job', 'onSuccess')).trim().split('\n')).toEqual([
      'job-onStart',
      'build-onStart',
      'build-compile',
      'build-lint',
      'build-onSuccess',
      'test-onStart',
      'test-unit',
      'test-e2e',
      'test-onSuccess',
      'package-zip',
      'job-onSuccess',
    ]);
    expect(done.commands.find((c: { key: string }) => c.key === 'build/lint')).toMatchObject({
      status: 'succeeded',
      exitCode: 3,
    });
    expect(done.stages.map((s: { stage: string }) => s.stage)).toEqual(['job', 'build', 'test', 'package', 'job']);
  });

  it('stops at a failing step: stage onFailure, then job onFailure, later stages skipped', async () => {
    await put('team/shop/hooks-fail', hooked(true));
    const build = (await trigger('team/shop/hooks-fail')).body;
    const done = await finished(build.id);
    expect(done).toMatchObject({ status: 'failed', reason: 'failed at test/unit' });
    expect((await logOf(build.id, 'job', 'onFailure')).trim().split('\n')).toEqual([
      'job-onStart',
      'build-onStart',
      'build-compile',
      'build-lint',
      'build-onSuccess',
      'test-onStart',
      'test-unit',
      'test-onFailure',
      'job-onFailure',
    ]);
    const status = Object.fromEntries(done.commands.map((c: { key: string; status: string }) => [c.key, c.status]));
    expect(status).toMatchObject({
      'test/unit': 'failed',
      'test/e2e': 'skipped',
      'package/zip': 'skipped',
      'test/onSuccess': 'skipped',
      'job/onSuccess': 'skipped',
    });
  });

  it('checks parameters, passes them as environment variables and masks secrets', async () => {
    await put('team/shop/params', {
      title: 'params',
      parameters: [
        { title: 'TARGET', required: true },
        { title: 'TOKEN', secret: true, required: true },
        { title: 'MODE', default: 'fast' },
      ],
      stages: [
        {
          title: 'show',
          steps: [{ title: 'env', command: 'echo "target=$TARGET mode=$MODE token=$TOKEN"; echo "again $TOKEN"' }],
        },
      ],
    });
    const missing = await trigger('team/shop/params', { TOKEN: 's3cr3t-value' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('parameters.TARGET');
    expect((await trigger('team/shop/params', { TARGET: 'x', TOKEN: 'y', NOPE: 'z' })).body.error.field).toBe(
      'parameters.NOPE',
    );
    const build = (await trigger('team/shop/params', { TARGET: 'eu-west', TOKEN: 's3cr3t-value' })).body;
    expect(build.parameters).toEqual({ TARGET: 'eu-west', TOKEN: '***', MODE: 'fast' });
    await finished(build.id);
    const log = await logOf(build.id);
    expect(log).toContain('target=eu-west mode=fast token=***');
    expect(log).toContain('again ***');
    expect(log).not.toContain('s3cr3t-value');
    const file = readFileSync(
      join(stack.dataDir, 'jobs/team/shop/params', String(build.number), 'show/env.log'),
      'utf8',
    );
    expect(file).toContain('token=***');
    expect(JSON.stringify((await stack.call('GET', `/v1/builds/${build.id}`)).body)).not.toContain('s3cr3t-value');
  });

  it('keeps logs at the seed paths, per stage and step', async () => {
    const [latest] = (await stack.call('GET', '/v1/jobs/team/shop/hooks-ok/builds')).body.builds;
    for (const rel of ['job/onStart.log', 'build/compile.log', 'test/unit.log', 'job/onSuccess.log']) {
      expect(existsSync(join(stack.dataDir, 'jobs/team/shop/hooks-ok', String(latest.number), rel)), rel).toBe(true);
    }
  });

  it('numbers concurrent triggers 1..N without gaps or repeats', async () => {
    await put('team/shop/quick', {
      title: 'quick',
      stages: [{ title: 's', steps: [{ title: 't', command: 'true' }] }],
    });
    const answers = await Promise.all(Array.from({ length: 12 }, () => trigger('team/shop/quick')));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(answers.map((a) => a.body.number).sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    for (const a of answers) await finished(a.body.id);
    const page = (await stack.call('GET', '/v1/jobs/team/shop/quick/builds?limit=5')).body;
    expect(page.builds.map((b: { number: number }) => b.number)).toEqual([12, 11, 10, 9, 8]);
    expect(page.next).toBe(8);
    expect((await stack.call('GET', '/v1/jobs/team/shop/quick/builds?limit=5&before=8')).body.builds[0].number).toBe(7);
  });

  it('times out a step and cancels a running one at once, running onFailure hooks and removing the container', async () => {
    await put('team/shop/slow', {
      title: 'slow',
      onFailure: 'echo job-onFailure-ran',
      stages: [
        {
          title: 'wait',
          onFailure: 'echo stage-onFailure-ran',
          steps: [{ title: 'sleep', command: 'echo started; sleep 60', timeout: '2s' }],
        },
      ],
    });
    const timed = (await trigger('team/shop/slow')).body;
    const t = await finished(timed.id);
    expect(t.status).toBe('failed');
    expect(t.commands.find((c: { key: string }) => c.key === 'wait/sleep')).toMatchObject({
      status: 'failed',
      exitCode: 124,
      message: 'timed out after 2s',
    });

    await put('team/shop/slow', {
      title: 'slow',
      onFailure: 'echo job-onFailure-ran',
      stages: [
        {
          title: 'wait',
          onFailure: 'echo stage-onFailure-ran',
          steps: [{ title: 'sleep', command: 'echo started; sleep 60' }],
        },
      ],
    });
    const build = (await trigger('team/shop/slow')).body;
    await eventually(async () => (await logOf(build.id)).includes('started'), 'the step to start');
    const started = Date.now();
    const cancel = await stack.call('POST', `/v1/builds/${build.id}/cancel`);
    expect(cancel.status).toBe(200);
    const done = await finished(build.id);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(done.status).toBe('cancelled');
    expect(done.reason).toContain('cancelled by admin');
    const log = await logOf(build.id);
    expect(log.indexOf('stage-onFailure-ran')).toBeLessThan(log.indexOf('job-onFailure-ran'));
    expect(await docker.listContainers({ all: true, filters: { label: [`slipway.build=${build.id}`] } })).toEqual([]);
    expect((await stack.call('POST', `/v1/builds/${build.id}/cancel`)).status).toBe(409);
  });

  it('validates job definitions, naming the path in the document', async () => {
    const bad = await put('team/shop/bad', { title: 'x', stages: [{ title: 's', steps: [{ title: 't' }] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('stages.0.steps.0.command');
    const yaml = await stack.call('PUT', '/v1/jobs/team/shop/yaml-job', {
      body: 'title: y\nstages:\n  - title: s\n    steps:\n      - title: t\n        command: echo hi\n',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yaml.status).toBe(201);
    expect(
      (await stack.call('PUT', '/v1/jobs/team/builds/x', { body: { title: 'x', stages: [] } })).body.error.field,
    ).toBe('path');
    const tree = (await stack.call('GET', '/v1/jobs')).body.jobs;
    expect(tree[0]).toMatchObject({ name: 'team', type: 'folder' });
    expect(tree[0].children[0].children.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['hooks-ok', 'params', 'yaml-job']),
    );
    expect((await stack.call('DELETE', '/v1/jobs/team/shop/yaml-job')).status).toBe(200);
    expect((await stack.call('GET', '/v1/jobs/team/shop/yaml-job')).status).toBe(404);
  });

  it('rebuilds with the same parameters', async () => {
    const [latest] = (await stack.call('GET', '/v1/jobs/team/shop/params/builds')).body.builds;
    const again = await stack.call('POST', `/v1/builds/${latest.id}/rebuild`, {
      body: { parameters: { TOKEN: 'another' } },
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ rebuildOf: latest.id, parameters: { TARGET: 'eu-west', TOKEN: '***' } });
    expect((await finished(again.body.id)).status).toBe('succeeded');
  });
});
