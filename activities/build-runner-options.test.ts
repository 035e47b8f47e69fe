import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { resolveConfinement, type Confinement } from '../domain/build-limits.js';
import { ErrorType } from '../domain/errors.js';
import { dockerFrame as frame } from '../test/support/docker-frame.js';
import {
  BuildProgress,
  ExecOutput,
  KILL_DONE,
  buildContainerName,
  buildContainerOptions,
  buildImageTag,
  buildWorkspace,
  checkBuildId,
  dockerfilePath,
  killScript,
  logTarget,
  stepExecOptions,
  type StepExecInput,
} from './build-runner-options.js';

// Reading frames and the environment list are shared with the Docker deployer: their cases are in
// docker-frames.test.ts and docker-engine-options.test.ts.

function badConfig(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(ErrorType.BadConfig);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    return;
  }
  throw new Error('expected a BadConfig failure');
}

describe('names from a build id', () => {
  it.each([
    { id: 'b-42', container: 'slipway-build-b-42', tag: 'slipway/build:b-42', workspace: '/data/ws/b-42' },
    {
      id: '0193f1c2-7a9b-7cc1-9e2d-5b1e0f3a4c6d',
      container: 'slipway-build-0193f1c2-7a9b-7cc1-9e2d-5b1e0f3a4c6d',
      tag: 'slipway/build:0193f1c2-7a9b-7cc1-9e2d-5b1e0f3a4c6d',
      workspace: '/data/ws/0193f1c2-7a9b-7cc1-9e2d-5b1e0f3a4c6d',
    },
    {
      id: 'Team_App.7',
      container: 'slipway-build-Team_App.7',
      tag: 'slipway/build:Team_App.7',
      workspace: '/data/ws/Team_App.7',
    },
  ])('$id', ({ id, container, tag, workspace }) => {
    expect(buildContainerName(id)).toBe(container);
    expect(buildImageTag(id)).toBe(tag);
    expect(buildWorkspace('/data/ws', id)).toBe(workspace);
  });

  it.each(['', '..', '.hidden', '-x', 'a/b', '../etc', 'a b', 'é', 'x'.repeat(101)])('refuses %j', (id) => {
    badConfig(() => checkBuildId(id));
  });
});

describe('buildContainerOptions', () => {
  const defaults = resolveConfinement({});
  if (!defaults.ok) throw new Error(defaults.error);
  const confinement: Confinement = defaults.confinement;
  const base = {
    buildId: 'b-1',
    image: 'slipway/step:default',
    hostName: 'host-a',
    env: {},
    confinement,
  };

  it.each([
    {
      what: 'minimal input',
      input: base,
      expected: {
        name: 'slipway-build-b-1',
        Image: 'slipway/step:default',
        Entrypoint: ['/bin/sh', '-c'],
        Env: [],
        WorkingDir: '/workspace',
        Labels: { slipway: '1', 'slipway.build': 'b-1', 'slipway.host': 'host-a' },
        Tty: false,
        User: '1000:1000',
        HostConfig: {
          Init: true,
          AutoRemove: false,
          Memory: 2 * 1024 ** 3,
          MemorySwap: 2 * 1024 ** 3,
          NanoCpus: 1e9,
          PidsLimit: 512,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          NetworkMode: 'slipway-builds',
          Mounts: [
            {
              Type: 'volume',
              Source: 'slipway-workspace-b-1',
              Target: '/workspace',
              VolumeOptions: {
                DriverConfig: {
                  Name: 'local',
                  Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${1024 ** 3},uid=1000,gid=1000,mode=0755` },
                },
              },
            },
          ],
          Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,size=${1024 ** 3},mode=1777` },
        },
      },
    },
    {
      what: 'root when the job asks for it; its own network when outbound is configured',
      input: { ...base, confinement: { ...confinement, user: { uid: 0, gid: 0 }, outbound: true } },
      expected: { User: '0:0', HostConfig: { NetworkMode: 'slipway-builds-outbound', CapDrop: ['ALL'] } },
    },
    {
      what: 'a built image and env, sorted',
      input: { ...base, image: 'slipway/build:b-1', env: { Z: '1', A: 'x=y', EMPTY: '' } },
      expected: { Image: 'slipway/build:b-1', Env: ['A=x=y', 'EMPTY=', 'Z=1'] },
    },
  ])('$what', ({ input, expected }) => {
    const options = buildContainerOptions(input);
    expect(options).toMatchObject(expected);
    expect(options.Cmd).toHaveLength(1); // the keep-alive loop, run by the entrypoint's shell
  });
});

describe('logTarget', () => {
  it('names one command of the build, with the secrets of the build', () => {
    const build = { buildId: 'b-1', jobPath: 'team/app', number: 7, secrets: ['s'], fresh: true };
    expect(logTarget(build, 'unit-tests/lint')).toEqual({
      buildId: 'b-1',
      jobPath: 'team/app',
      number: 7,
      commandKey: 'unit-tests/lint',
      secrets: ['s'],
    });
  });
});

describe('stepExecOptions', () => {
  it.each<{ what: string; input: StepExecInput; env: string[] }>([
    { what: 'no env', input: { command: 'make test', env: {}, marker: 'ab12' }, env: ['SLIPWAY_STEP_ID=ab12'] },
    {
      what: 'env sorted, marker last',
      input: { command: 'echo "$B"', env: { B: '2', A: '1' }, marker: 'ff' },
      env: ['A=1', 'B=2', 'SLIPWAY_STEP_ID=ff'],
    },
  ])('$what', ({ input, env }) => {
    const options = stepExecOptions(input);
    expect(options).toMatchObject({
      Env: env,
      WorkingDir: '/workspace',
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: false,
      Tty: false,
    });
    // The command is passed as an argument, never spliced into the wrapper script.
    expect(options.Cmd).toEqual(['/bin/sh', '-c', 'echo "$$" && exec /bin/sh -c "$1"', 'slipway-step', input.command]);
  });
});

describe('killScript', () => {
  it.each([
    { what: 'group and marker', pid: 17, marker: 'abc', contains: ['kill -9 -17 ', "'SLIPWAY_STEP_ID=abc'"] },
    {
      what: 'pid unknown: marker only',
      pid: undefined,
      marker: 'abc',
      contains: ["'SLIPWAY_STEP_ID=abc'"],
      lacks: 'kill -9 -',
    },
    {
      what: 'never the init process group',
      pid: 1,
      marker: 'abc',
      contains: ["'SLIPWAY_STEP_ID=abc'"],
      lacks: 'kill -9 -1',
    },
  ])('$what', ({ pid, marker, contains, lacks }) => {
    const script = killScript(pid, marker);
    for (const c of contains) expect(script).toContain(c);
    if (lacks) expect(script).not.toContain(lacks);
    expect(script.endsWith(`echo ${KILL_DONE}`)).toBe(true);
  });

  it('refuses a marker that could break out of the script', () => {
    expect(() => killScript(3, "x'; rm -rf /")).toThrow();
  });
});

describe('ExecOutput', () => {
  it.each([
    {
      what: 'pid line stripped, stdout and stderr in order',
      chunks: [frame(1, '42\nout\n'), frame(2, 'err\n'), frame(1, 'more\n')],
      text: 'out\nerr\nmore\n',
      pid: 42,
    },
    { what: 'pid line split across frames', chunks: [frame(1, '12'), frame(1, '3\nx')], text: 'x', pid: 123 },
    {
      what: 'frames split across chunks',
      chunks: (() => {
        const all = Buffer.concat([frame(1, '7\nhello '), frame(2, 'world')]);
        return [all.subarray(0, 3), all.subarray(3, 12), all.subarray(12)];
      })(),
      text: 'hello world',
      pid: 7,
    },
    {
      what: 'stderr before the pid line passes through',
      chunks: [frame(2, 'warn\n'), frame(1, '9\nok')],
      text: 'warn\nok',
      pid: 9,
    },
    {
      what: 'stdin frames (type 0) ignored',
      chunks: [frame(1, '5\n'), frame(0, 'y'), frame(1, 'z')],
      text: 'z',
      pid: 5,
    },
    {
      what: 'multi-byte character split by a frame',
      chunks: [frame(1, '3\n'), frame(1, Buffer.from('é').subarray(0, 1)), frame(1, Buffer.from('é').subarray(1))],
      text: 'é',
      pid: 3,
    },
    {
      what: 'no pid line (exec failed before the wrapper ran)',
      chunks: [frame(1, 'OCI runtime exec failed: no such file\n')],
      text: 'OCI runtime exec failed: no such file\n',
      pid: undefined,
    },
    { what: 'stream ends before the pid line is complete', chunks: [frame(1, '12')], text: '12', pid: undefined },
  ])('$what', ({ chunks, text, pid }) => {
    const out = new ExecOutput();
    let got = '';
    for (const c of chunks) got += out.push(c);
    got += out.end();
    expect(got).toBe(text);
    expect(out.pid).toBe(pid);
  });
});

describe('BuildProgress', () => {
  const line = (o: object) => `${JSON.stringify(o)}\r\n`;
  it.each([
    {
      what: 'stream text kept verbatim',
      chunks: [line({ stream: 'Step 1/2 : FROM x\n' }), line({ stream: ' ---> abc\n' })],
      text: 'Step 1/2 : FROM x\n ---> abc\n',
      error: null,
    },
    {
      what: 'status lines get a newline, aux ignored',
      chunks: [line({ status: 'Pulling' }), line({ aux: { ID: 'sha256:1' } })],
      text: 'Pulling\n',
      error: null,
    },
    {
      what: 'an object split across chunks',
      chunks: (() => {
        const all = line({ stream: 'héllo\n' });
        const b = Buffer.from(all);
        return [b.subarray(0, 14), b.subarray(14)];
      })(),
      text: 'héllo\n',
      error: null,
    },
    {
      what: 'the error (errorDetail preferred)',
      chunks: [line({ errorDetail: { message: 'RUN exit 1: code 1' }, error: 'short' })],
      text: 'RUN exit 1: code 1\n',
      error: 'RUN exit 1: code 1',
    },
    { what: 'a non-JSON line passes through', chunks: ['plain text\n'], text: 'plain text\n', error: null },
    { what: 'an unterminated last line', chunks: [JSON.stringify({ stream: 'tail' })], text: 'tail', error: null },
  ])('$what', ({ chunks, text, error }) => {
    const p = new BuildProgress();
    let got = '';
    for (const c of chunks) got += p.push(typeof c === 'string' ? Buffer.from(c) : c);
    got += p.end();
    expect(got).toBe(text);
    expect(p.error).toBe(error);
  });
});

describe('dockerfilePath', () => {
  it.each([
    { given: 'Dockerfile', path: 'Dockerfile' },
    { given: './ci/Dockerfile', path: 'ci/Dockerfile' },
    { given: 'ci\\build.Dockerfile', path: 'ci/build.Dockerfile' },
    { given: 'a/../Dockerfile', path: 'Dockerfile' },
  ])('$given → $path', ({ given, path }) => {
    expect(dockerfilePath(given)).toBe(path);
  });

  it.each(['/etc/passwd', '../Dockerfile', 'a/../../x', '.', ''])('refuses %j', (given) => {
    badConfig(() => dockerfilePath(given));
  });
});
