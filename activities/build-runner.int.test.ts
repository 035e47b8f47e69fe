// Runs real containers on the Docker engine (image slipway/step:busybox, built by infra/setup.sh) and
// real git on local repositories; output goes to an in-memory log sink.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ErrorType } from '../domain/errors.js';
import { buildContainerName, buildImageTag } from './build-runner-options.js';
import {
  createBuildRunnerActivities,
  type BuildRunnerActivities,
  type ExecInput,
  type ExecResult,
  type StartInput,
  type StartResult,
} from './build-runner.js';
import type { CommandLogWriter, LogSink, LogTarget } from './log-sink.js';

const IMAGE = 'slipway/step:busybox';
const docker = new Docker();
const run = randomBytes(4).toString('hex');
const buildIds: string[] = [];
let root: string;
let workspaceRoot: string;

/** Keeps each command's text, as written; nothing else. */
class MemorySink implements LogSink {
  readonly texts = new Map<string, string>();
  async open(target: LogTarget): Promise<CommandLogWriter> {
    let bytes = 0;
    return {
      write: async (chunk) => {
        bytes += Buffer.byteLength(chunk);
        this.texts.set(target.commandKey, (this.texts.get(target.commandKey) ?? '') + chunk);
      },
      end: async () => ({ bytes, truncated: false }),
    };
  }
  text(key: string): string {
    return this.texts.get(key) ?? '';
  }
}

/** Counts bytes only and yields to the event loop on every write, like a sink that is slower than the step. */
class CountingSink implements LogSink {
  bytes = 0;
  async open(): Promise<CommandLogWriter> {
    return {
      write: async (chunk) => {
        this.bytes += chunk.length;
        await new Promise((r) => setImmediate(r));
      },
      end: async () => ({ bytes: this.bytes, truncated: false }),
    };
  }
}

const sink = new MemorySink();
let acts: BuildRunnerActivities;

function mockEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

function newBuildId(name: string): string {
  const id = `t-${run}-${name}`;
  buildIds.push(id);
  return id;
}

const target = (buildId: string) => ({ buildId, jobPath: 'team/app/ci', number: 1, secrets: [] as string[] });

function exec(
  buildId: string,
  commandKey: string,
  command: string,
  extra: Partial<ExecInput> = {},
  env = mockEnv(),
  a = acts,
): Promise<ExecResult> {
  const input: ExecInput = { ...target(buildId), commandKey, command, env: {}, timeoutMs: 30_000, ...extra };
  return env.run(a.buildExec, input);
}

function start(input: StartInput): Promise<StartResult> {
  return mockEnv().run<[StartInput], StartResult, BuildRunnerActivities['buildStart']>(acts.buildStart, input);
}

function sh(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8' }).trim();
}

/** A local git repository with one commit holding `files`. */
async function gitRepo(name: string, files: Record<string, string>): Promise<{ dir: string; commit: string }> {
  const dir = join(root, `repo-${name}`);
  sh(root, 'git', ['init', '-q', '-b', 'main', dir]);
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  sh(dir, 'git', ['add', '-A']);
  sh(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init']);
  return { dir, commit: sh(dir, 'git', ['rev-parse', 'HEAD']) };
}

/** `ps` inside the build container (busybox: PID USER TIME COMMAND). */
async function processes(buildId: string): Promise<string> {
  const key = `check/ps-${randomBytes(3).toString('hex')}`;
  await exec(buildId, key, 'ps -o pid,args');
  return sink.text(key);
}

/** Whether `path` exists in the build container's /workspace. */
async function inWorkspace(buildId: string, path: string): Promise<boolean> {
  const r = await exec(buildId, `check/exists-${randomBytes(3).toString('hex')}`, `test -e ${path}`);
  return r.exitCode === 0;
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-build-runner-'));
  workspaceRoot = join(root, 'workspaces');
  acts = createBuildRunnerActivities({ docker, workspaceRoot, hostName: 'test-host', logs: sink, defaultImage: IMAGE });
});

afterAll(async () => {
  for (const buildId of buildIds) await mockEnv().run(acts.buildDestroy, { buildId });
  const left = await docker.listContainers({
    all: true,
    filters: { label: buildIds.map((id) => `slipway.build=${id}`) },
  });
  const ours = left.filter((c) => buildIds.includes(c.Labels['slipway.build'] ?? ''));
  await rm(root, { recursive: true, force: true });
  expect(ours).toEqual([]);
});

describe('buildCheckout', () => {
  it('clones a local repository, returns the commit and the job file, and reuses the clone', async () => {
    const jobFile = 'title: demo\nstages:\n  - title: test\n    steps:\n      - title: hi\n        command: echo hi\n';
    const repo = await gitRepo('checkout', { '.slipway.yml': jobFile, README: 'hello\n' });
    const buildId = newBuildId('checkout');
    const input = { ...target(buildId), repository: { url: repo.dir, ref: 'main' } };

    const first = await mockEnv().run(acts.buildCheckout, input);
    expect(first).toEqual({ commit: repo.commit, jobFile });
    expect(await readFile(join(workspaceRoot, buildId, 'README'), 'utf8')).toBe('hello\n');
    expect(sink.text('job/checkout')).toContain('git clone');

    const again = await mockEnv().run(acts.buildCheckout, input);
    expect(again).toEqual(first);
    expect(sink.text('job/checkout')).toContain(`reusing the existing clone at ${repo.commit}`);
  });

  it('checks out a commit by sha, and an unknown ref is a terminal failure', async () => {
    const repo = await gitRepo('by-sha', { 'a.txt': 'one\n' });
    await writeFile(join(repo.dir, 'a.txt'), 'two\n');
    sh(repo.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-am', 'second']);
    const buildId = newBuildId('by-sha');
    const result = await mockEnv().run(acts.buildCheckout, {
      ...target(buildId),
      repository: { url: repo.dir, ref: repo.commit },
    });
    expect(result).toEqual({ commit: repo.commit, jobFile: null });
    expect(await readFile(join(workspaceRoot, buildId, 'a.txt'), 'utf8')).toBe('one\n');

    const err = await failureOf(
      mockEnv().run(acts.buildCheckout, {
        ...target(newBuildId('bad-ref')),
        repository: { url: repo.dir, ref: 'no-such-branch' },
      }),
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(ErrorType.BadConfig);
  });
});

describe('buildStart + buildExec in one container', () => {
  let buildId: string;

  beforeAll(async () => {
    buildId = newBuildId('seq');
    await mockEnv().run(acts.buildCheckout, target(buildId));
  });

  it('starts the container once (a second start reuses it)', async () => {
    const input = { ...target(buildId), env: { FROM_START: 'container-wide' } };
    const first = await start(input);
    expect(first.image).toBe(IMAGE);
    const again = await start(input);
    expect(again.containerId).toBe(first.containerId);
    const info = await docker.getContainer(buildContainerName(buildId)).inspect();
    expect(info.Config.Labels).toMatchObject({ slipway: '1', 'slipway.build': buildId, 'slipway.host': 'test-host' });
    expect(info.Config.WorkingDir).toBe('/workspace');
  });

  it('runs steps in the same container and workspace', async () => {
    const one = await exec(buildId, 'seq/write', 'echo "from step 1" > /workspace/shared.txt && hostname > host.txt');
    expect(one).toMatchObject({ exitCode: 0, timedOut: false });
    const two = await exec(
      buildId,
      'seq/read',
      'cat shared.txt && [ "$(hostname)" = "$(cat host.txt)" ] && echo same-host',
    );
    expect(two.exitCode).toBe(0);
    expect(sink.text('seq/read')).toBe('from step 1\nsame-host\n');
    // The steps' writes stay in the container's own volume, not in the host's checkout directory.
    expect(existsSync(join(workspaceRoot, buildId, 'shared.txt'))).toBe(false);
  });

  it("passes env vars (the step's and the container's)", async () => {
    await exec(buildId, 'seq/env', 'echo "$GREETING|$FROM_START"', { env: { GREETING: 'hello world' } });
    expect(sink.text('seq/env')).toBe('hello world|container-wide\n');
  });

  it('returns a non-zero exit code, and captures stdout and stderr', async () => {
    const r = await exec(buildId, 'seq/fail', 'echo to-out; echo to-err >&2; exit 3');
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, truncated: false });
    expect(sink.text('seq/fail')).toContain('to-out\n');
    expect(sink.text('seq/fail')).toContain('to-err\n');
  });

  it('kills a step that runs past its timeout: exit code 124, processes gone', async () => {
    const r = await exec(buildId, 'seq/timeout', 'echo started; (sleep 41; echo child) & setsid sleep 43 & sleep 42', {
      timeoutMs: 1_000,
    });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
    expect(r.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(r.durationMs).toBeLessThan(5_000);
    expect(sink.text('seq/timeout')).toContain('started\n');
    expect(await processes(buildId)).not.toMatch(/sleep 4[123]/);
  });

  it('kills the step and its children at once when the activity is cancelled', async () => {
    const env = mockEnv();
    // A child in the step's process group, one that left it (setsid), and the step's own shell.
    const p = exec(buildId, 'seq/cancel', '(sleep 31; echo child) & setsid sleep 32 & sleep 30', {}, env);
    for (let i = 0; i < 100; i++) {
      const ps = await processes(buildId);
      if (/sleep 30/.test(ps) && /sleep 32/.test(ps)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const t0 = Date.now();
    env.cancel();
    const err = await failureOf(p);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(CancelledFailure);
    console.log(`cancellation: rejected ${took} ms after cancel()`);
    expect(took).toBeLessThan(1_000);
    expect(await processes(buildId)).not.toMatch(/sleep 3[012]/);
  });

  it('holds the step back while the sink is busy (back-pressure reaches the step)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let bytes = 0;
    const blocking: LogSink = {
      open: async () => ({
        write: async (chunk) => {
          bytes += chunk.length;
          await gate;
        },
        end: async () => ({ bytes, truncated: false }),
      }),
    };
    const a = createBuildRunnerActivities({
      docker,
      workspaceRoot,
      hostName: 'test-host',
      logs: blocking,
      defaultImage: IMAGE,
    });
    const p = exec(buildId, 'seq/blocked', "head -c 20000000 /dev/zero | tr '\\0' b; touch finished", {}, mockEnv(), a);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await inWorkspace(buildId, 'finished')).toBe(false); // still writing: blocked on its pipe
    release();
    expect((await p).exitCode).toBe(0);
    expect(bytes).toBe(20_000_000);
    expect(await inWorkspace(buildId, 'finished')).toBe(true);
  });

  it('streams 50 MB of output through the sink without buffering it', async () => {
    const counting = new CountingSink();
    const a = createBuildRunnerActivities({
      docker,
      workspaceRoot,
      hostName: 'test-host',
      logs: counting,
      defaultImage: IMAGE,
    });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = Date.now();
    const r = await exec(buildId, 'seq/big', "head -c 50000000 /dev/zero | tr '\\0' a", {}, mockEnv(), a).finally(() =>
      clearInterval(sampler),
    );
    console.log(`50 MB step: ${Date.now() - t0} ms, RSS +${Math.round((peak - before) / 1e6)} MB at peak`);
    expect(r.exitCode).toBe(0);
    expect(counting.bytes).toBe(50_000_000);
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });
});

describe('images', () => {
  it('builds the image from a Dockerfile in the repository', async () => {
    const repo = await gitRepo('dockerfile', { Dockerfile: `FROM ${IMAGE}\nRUN echo built > /built\n` });
    const buildId = newBuildId('dockerfile');
    await mockEnv().run(acts.buildCheckout, { ...target(buildId), repository: { url: repo.dir, ref: 'HEAD' } });
    const started = await start({ ...target(buildId), dockerfile: 'Dockerfile', env: {} });
    expect(started.image).toBe(buildImageTag(buildId));
    expect(sink.text('job/image')).toMatch(/Step 2\/2 : RUN echo built|RUN echo built/);
    const r = await exec(buildId, 'img/cat', 'cat /built');
    expect(r.exitCode).toBe(0);
    expect(sink.text('img/cat')).toBe('built\n');

    await mockEnv().run(acts.buildDestroy, { buildId });
    await mockEnv().run(acts.buildDestroy, { buildId });
    expect(await docker.listContainers({ all: true, filters: { label: [`slipway.build=${buildId}`] } })).toEqual([]);
    await expect(docker.getImage(buildImageTag(buildId)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(existsSync(join(workspaceRoot, buildId))).toBe(false);
  });

  it('a missing image is a terminal failure that says how to build the step images', async () => {
    const buildId = newBuildId('no-image');
    const err = await failureOf(start({ ...target(buildId), image: `slipway/step:missing-${run}`, env: {} }));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(ErrorType.DockerRejected);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toContain('bash infra/setup.sh run');
  });

  it('buildDestroy is safe when nothing exists', async () => {
    const buildId = newBuildId('nothing');
    await mockEnv().run(acts.buildDestroy, { buildId });
    await mockEnv().run(acts.buildDestroy, { buildId });
  });
});
