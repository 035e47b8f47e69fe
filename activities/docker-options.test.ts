import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import { OutputCollector, containerName, containerOptions, type RunContainerInput } from './docker-options.js';

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function frame(stream: 1 | 2, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('containerName', () => {
  it.each([
    { key: 'dep-42.preprod', name: 'slipway-dep-42.preprod' },
    { key: 'build_7', name: 'slipway-build_7' },
    { key: 'dep 42/live', name: /^slipway-dep-42-live-[0-9a-f]{12}$/ },
    { key: 'svc:1.2.3@prod', name: /^slipway-svc-1\.2\.3-prod-[0-9a-f]{12}$/ },
    { key: 'ünïcode', name: /^slipway--n-code-[0-9a-f]{12}$/ },
    { key: 'x'.repeat(300), name: new RegExp(`^slipway-x{100}-[0-9a-f]{12}$`) },
  ])('$key', ({ key, name }) => {
    const got = containerName(key);
    if (typeof name === 'string') expect(got).toBe(name);
    else expect(got).toMatch(name);
    expect(got).toMatch(DOCKER_NAME);
    expect(containerName(key)).toBe(got); // stable
  });

  it('keeps keys that sanitize alike apart', () => {
    const names = ['a/b', 'a:b', 'a b', 'a-b'].map(containerName);
    expect(new Set(names).size).toBe(4);
  });

  it('refuses an empty key', () => {
    expect(() => containerName('')).toThrow(ApplicationFailure);
  });
});

describe('containerOptions', () => {
  const base: RunContainerInput = { key: 'dep-1.live', image: 'slipway/step:busybox', command: 'echo "$MODULE"', env: {} };

  it.each([
    {
      what: 'minimal input',
      input: base,
      expected: {
        name: 'slipway-dep-1.live',
        Image: 'slipway/step:busybox',
        Cmd: ['/bin/sh', '-c', 'echo "$MODULE"'],
        Env: [],
        Labels: { slipway: '1', 'slipway.key': 'dep-1.live' },
        Tty: false,
      },
    },
    {
      what: 'env sorted, values kept verbatim',
      input: { ...base, env: { VERSION: '1.2=3', MODULE: 'web app', EMPTY: '' } },
      expected: { Env: ['EMPTY=', 'MODULE=web app', 'VERSION=1.2=3'] },
    },
    {
      what: 'caller labels cannot override the slipway labels',
      input: { ...base, labels: { team: 'core', slipway: '0', 'slipway.key': 'other' } },
      expected: { Labels: { team: 'core', slipway: '1', 'slipway.key': 'dep-1.live' } },
    },
  ])('$what', ({ input, expected }) => {
    const { name, options } = containerOptions(input);
    expect(name).toBe(containerName(input.key));
    expect(options).toMatchObject(expected);
    expect(options.HostConfig?.AutoRemove).toBe(false);
  });

  it.each(['', 'A=B', 'NUL\0'])('refuses env name %j with BadConfig', (bad) => {
    try {
      containerOptions({ ...base, env: { [bad]: 'x' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe(ErrorType.BadConfig);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
    }
  });
});

describe('OutputCollector', () => {
  it.each([
    { what: 'stdout and stderr merged in order', chunks: [frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')], limit: 100, output: 'a\nb\nc\n', truncated: false },
    { what: 'frames split across chunks', chunks: (() => { const all = Buffer.concat([frame(1, 'hello '), frame(2, 'world')]); return [all.subarray(0, 3), all.subarray(3, 11), all.subarray(11)]; })(), limit: 100, output: 'hello world', truncated: false },
    { what: 'stdin frames (type 0) ignored', chunks: [frame(1, 'x'), Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('y')]), frame(1, 'z')], limit: 100, output: 'xz', truncated: false },
    { what: 'keeps the tail', chunks: [frame(1, '0123456789'), frame(1, 'abcdefghij')], limit: 8, output: 'cdefghij', truncated: true },
    { what: 'exactly the limit is not truncated', chunks: [frame(1, '1234'), frame(1, '5678')], limit: 8, output: '12345678', truncated: false },
    { what: 'multi-byte character split by a frame', chunks: [frame(1, Buffer.from('é').subarray(0, 1)), frame(1, Buffer.from('é').subarray(1))], limit: 100, output: 'é', truncated: false },
    { what: 'tail never starts inside a character', chunks: [frame(1, 'aéééé')], limit: 3, output: 'é', truncated: true },
  ])('$what', ({ chunks, limit, output, truncated }) => {
    const c = new OutputCollector(limit);
    for (const chunk of chunks) c.pushFrames(chunk);
    expect(c.result()).toEqual({ output, truncated });
  });

  it.each([
    { what: 'within one frame', frames: ['token=s3cr3t ok'], secrets: ['s3cr3t'], output: 'token=*** ok' },
    { what: 'split across frames', frames: ['token=s3c', 'r3t and again s3', 'cr3t'], secrets: ['s3cr3t'], output: 'token=*** and again ***' },
    { what: 'longest secret first', frames: ['abcdef abc'], secrets: ['abc', 'abcdef'], output: '*** ***' },
    { what: 'empty secret ignored', frames: ['plain'], secrets: [''], output: 'plain' },
    { what: 'several secrets', frames: ['u=alice p=hunter2'], secrets: ['alice', 'hunter2'], output: 'u=*** p=***' },
  ])('masks secrets $what', ({ frames, secrets, output }) => {
    const c = new OutputCollector(1024, secrets);
    for (const f of frames) c.pushFrames(frame(1, f));
    expect(c.result()).toEqual({ output, truncated: false });
  });

  it('masks before truncating, so no part of a secret survives at the cut', () => {
    const c = new OutputCollector(10, ['SECRETVALUE']);
    c.pushFrames(frame(1, 'xxxxSECRETVALUEyyyyyy'));
    const { output, truncated } = c.result();
    expect(truncated).toBe(true);
    expect(output).toBe('x***yyyyyy');
    expect(output).not.toMatch(/VALUE|ALUE|LUE/);
  });
});
