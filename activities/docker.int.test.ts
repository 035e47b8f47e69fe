// Runs real containers on the Docker engine (image slipway/step:busybox, built by infra/setup.sh).
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ErrorType } from '../domain/errors.js';
import {
  containerName,
  containerOptions,
  createDockerActivities,
  type DockerActivities,
  type RunContainerInput,
  type RunContainerResult,
} from './docker.js';

const IMAGE = 'slipway/step:busybox';
const docker = new Docker();
const activities = createDockerActivities({ docker });
const run = suffix();
const keys: string[] = [];

/** An activity context; 'Activity failed' warnings of expected failures stay out of the test output. */
function mockEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

function runActivity(
  env: MockActivityEnvironment,
  i: RunContainerInput,
  acts: DockerActivities = activities,
): Promise<RunContainerResult> {
  return env.run<[RunContainerInput], RunContainerResult, DockerActivities['dockerRunContainer']>(
    acts.dockerRunContainer,
    i,
  );
}

function suffix(): string {
  return randomBytes(4).toString('hex');
}

function key(name: string): string {
  const k = `t-${run}-${name}`;
  keys.push(k);
  return k;
}

function input(name: string, command: string, extra: Partial<RunContainerInput> = {}): RunContainerInput {
  return { key: key(name), image: IMAGE, command, env: {}, ...extra };
}

async function containersWithKey(k: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`slipway.key=${k}`] } });
}

async function waitForRunning(name: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const info = await docker
      .getContainer(name)
      .inspect()
      .catch(() => null);
    if (info?.State.Running) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container ${name} did not start`);
}

async function createEvents(k: string, since: number): Promise<number> {
  const stream = (await docker.getEvents({
    since: Math.floor(since / 1000) - 1,
    until: Math.ceil(Date.now() / 1000),
    filters: { type: ['container'], event: ['create'], label: [`slipway.key=${k}`] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter((l) => l.trim()).length;
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

afterAll(async () => {
  const left: string[] = [];
  for (const k of keys) {
    for (const c of await containersWithKey(k)) {
      left.push(`${c.Names.join(',')} (${c.State})`);
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  expect(left, 'containers left behind by the Docker activity').toEqual([]);
});

describe('dockerRunContainer (real Docker engine)', () => {
  it('runs a command with the environment and returns its output', async () => {
    const i = input('env', 'echo "module=$MODULE version=$VERSION"; echo to-stderr >&2', {
      env: { MODULE: 'web-app', VERSION: '1.2.3' },
    });
    const result = await runActivity(mockEnv(), i);
    expect(result.exitCode).toBe(0);
    // Docker keeps order within stdout and within stderr, not between the two.
    expect(result.output.split('\n').sort()).toEqual(['', 'module=web-app version=1.2.3', 'to-stderr']);
    expect(result.truncated).toBe(false);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(await containersWithKey(i.key)).toEqual([]);
  });

  it('returns a non-zero exit code instead of throwing', async () => {
    const result = await runActivity(mockEnv(), input('exit3', 'echo failing; exit 3'));
    expect(result).toMatchObject({ exitCode: 3, output: 'failing\n', truncated: false });
  });

  it('runs one container for one key: a concurrent retry attaches to the running one', async () => {
    const i = input('twice', 'echo "run $(cat /proc/sys/kernel/random/uuid)"; sleep 3; echo done');
    const since = Date.now();
    const first = mockEnv();
    let heartbeats = 0;
    first.on('heartbeat', () => heartbeats++);
    const a = runActivity(first, i);
    await waitForRunning(containerName(i.key));
    const b = runActivity(mockEnv(), i);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.exitCode).toBe(0);
    expect(ra.output).toMatch(/^run [0-9a-f-]{36}\ndone\n$/);
    expect(rb.output).toBe(ra.output);
    expect(rb.exitCode).toBe(0);
    expect(heartbeats).toBeGreaterThanOrEqual(1);
    expect(await createEvents(i.key, since)).toBe(1);
    expect(await containersWithKey(i.key)).toEqual([]);
  });

  it('takes exit code and logs of a container that already exited (retry after a crash)', async () => {
    const i = input('exited', 'echo "earlier attempt $(cat /proc/sys/kernel/random/uuid)"; exit 4');
    // What an earlier attempt that died after starting the container would have left behind.
    const since = Date.now();
    const c = await docker.createContainer(containerOptions(i).options);
    await c.start();
    await c.wait();
    const result = await runActivity(mockEnv(), i);
    expect(result.exitCode).toBe(4);
    expect(result.output).toMatch(/^earlier attempt [0-9a-f-]{36}\n$/);
    expect(await createEvents(i.key, since)).toBe(1);
    expect(await containersWithKey(i.key)).toEqual([]);
  });

  it('kills a container that outlives its timeout and fails non-retryably', async () => {
    const i = input('timeout', 'echo started; sleep 30', { timeoutMs: 1_500 });
    const t0 = Date.now();
    const err = await failureOf(runActivity(mockEnv(), i));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.type).toBe(ErrorType.Timeout);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/timed out after 1500 ms/);
    expect(failure.details?.[0]).toMatchObject({ output: 'started\n' });
    expect(await containersWithKey(i.key)).toEqual([]);
  });

  it('kills and removes the container promptly when the activity is cancelled', async () => {
    const i = input('cancel', 'sleep 60');
    const env = mockEnv();
    const p = runActivity(env, i);
    await waitForRunning(containerName(i.key));
    const t0 = Date.now();
    env.cancel();
    const err = await failureOf(p);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(await containersWithKey(i.key)).toEqual([]);
  });

  it('keeps the tail of output over the limit and marks it truncated', async () => {
    const small = createDockerActivities({ docker, outputLimitBytes: 1024 });
    const i = input('big', 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done');
    const result = await runActivity(mockEnv(), i, small);
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(result.output)).toBeGreaterThan(1000);
    expect(result.output.endsWith('line 1998\nline 1999\n')).toBe(true);
    expect(result.output).not.toContain('line 0\n');
  });

  it('masks secret values in the output', async () => {
    const secret = `s3cr3t-${suffix()}`;
    const i = input('secret', 'echo "token=$TOKEN"; echo "$TOKEN"; echo public', {
      env: { TOKEN: secret },
      secretValues: [secret],
    });
    const result = await runActivity(mockEnv(), i);
    expect(result.output).toBe('token=***\n***\npublic\n');
    expect(result.output).not.toContain(secret);
  });

  it('masks credentials in URLs that the deploy command prints', async () => {
    const i = input('url', 'echo "pulling https://deploy:tok-$((6*7))en@registry.example.com/app:1"');
    const result = await runActivity(mockEnv(), i);
    expect(result.output).toBe('pulling https://***@registry.example.com/app:1\n');
    expect(result.output).not.toContain('tok-42en');
  });

  it('fails non-retryably, pointing at the set-up script, when the image is missing', async () => {
    const i = input('noimage', 'true', { image: `slipway/step:missing-${run}` });
    const err = await failureOf(runActivity(mockEnv(), i));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(ErrorType.DockerRejected);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain('bash infra/setup.sh run');
  });

  it('pings the engine', async () => {
    await expect(activities.dockerPing()).resolves.toBeUndefined();
  });
});
