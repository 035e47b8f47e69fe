import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { dockerFrame as frame } from '../test/support/docker-frame.js';
import { OutputCollector, containerName, containerOptions, type RunContainerInput } from './docker-options.js';

// Reading frames, masking and the environment list are shared with the build runner: their cases are
// in docker-frames.test.ts, output-text.test.ts and docker-engine-options.test.ts.

const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

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
  const base: RunContainerInput = {
    key: 'dep-1.live',
    image: 'slipway/step:busybox',
    command: 'echo "$MODULE"',
    env: {},
  };

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
});

describe('OutputCollector', () => {
  it.each([
    {
      what: 'keeps the tail',
      chunks: [frame(1, '0123456789'), frame(1, 'abcdefghij')],
      limit: 8,
      output: 'cdefghij',
      truncated: true,
    },
    {
      what: 'exactly the limit is not truncated',
      chunks: [frame(1, '1234'), frame(1, '5678')],
      limit: 8,
      output: '12345678',
      truncated: false,
    },
    {
      what: 'tail never starts inside a character',
      chunks: [frame(1, 'aéééé')],
      limit: 3,
      output: 'é',
      truncated: true,
    },
    {
      what: 'a cut tail is not moved to a line start',
      chunks: [frame(1, 'one\ntwo\nthree')],
      limit: 8,
      output: 'wo\nthree',
      truncated: true,
    },
    {
      what: 'stdout and stderr merged in order',
      chunks: [frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')],
      limit: 100,
      output: 'a\nb\nc\n',
      truncated: false,
    },
  ])('$what', ({ chunks, limit, output, truncated }) => {
    const c = new OutputCollector(limit);
    for (const chunk of chunks) c.pushFrames(chunk);
    expect(c.result()).toEqual({ output, truncated });
  });

  it('masks secrets split across frames', () => {
    const c = new OutputCollector(1024, ['s3cr3t']);
    for (const f of ['token=s3c', 'r3t and again s3', 'cr3t']) c.pushFrames(frame(1, f));
    expect(c.result()).toEqual({ output: 'token=*** and again ***', truncated: false });
  });

  it('masks credentials in URLs split across frames, as a deploy tool may print them', () => {
    const c = new OutputCollector(1024);
    for (const f of ['login https://deploy:glpat-s3c', 'r3t@registry.example.com/v2 ok\n']) c.pushFrames(frame(1, f));
    expect(c.result()).toEqual({ output: 'login https://***@registry.example.com/v2 ok\n', truncated: false });
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
