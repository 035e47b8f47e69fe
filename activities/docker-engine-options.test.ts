import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import { envList } from './docker-engine-options.js';

// The environment of every container and exec: the deployer's (docker-options.ts) and the build's
// (build-runner-options.ts) options take their Env from here.

describe('envList', () => {
  it.each<{ env: Record<string, string>; list: string[] }>([
    { env: { b: 'x y', a: '=', c: '' }, list: ['a==', 'b=x y', 'c='] },
    { env: { VERSION: '1.2=3', MODULE: 'web app', EMPTY: '' }, list: ['EMPTY=', 'MODULE=web app', 'VERSION=1.2=3'] },
    { env: { Z: '1', A: 'x=y', EMPTY: '' }, list: ['A=x=y', 'EMPTY=', 'Z=1'] },
    { env: {}, list: [] },
  ])('sorts by name and keeps values verbatim: $list', ({ env, list }) => {
    expect(envList(env)).toEqual(list);
  });

  it.each(['', 'A=B', 'NUL\0', 'A\0B'])('refuses the env name %j with BadConfig', (bad) => {
    try {
      envList({ [bad]: 'x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe(ErrorType.BadConfig);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
    }
  });
});
