import { describe, expect, it } from 'vitest';
import type { BuildRunnerActivities, ExecInput } from '../activities/build-runner.js';
import { withSecrets } from './build-host.js';

// The build host's own guard: even if an untrusted build had secret values stored, its commands
// would not get them (allocation stores none for it; this is the second wall).

describe('secret values on the build host', () => {
  const exec = (trusted?: boolean): ExecInput => ({
    buildId: 'bld-1',
    jobPath: 'ci/pr-1',
    number: 1,
    commandKey: 'test/unit',
    command: 'env',
    env: { PUBLIC: 'yes' },
    secrets: [],
    timeoutMs: 1000,
    ...(trusted === undefined ? {} : { trusted }),
  });

  async function run(input: ExecInput) {
    const reads: string[] = [];
    const seen: ExecInput[] = [];
    const runner = {
      buildExec: async (given: ExecInput) => {
        seen.push(given);
        return { exitCode: 0, timedOut: false, truncated: false, durationMs: 0 };
      },
    } as unknown as BuildRunnerActivities;
    const host = withSecrets(runner, async (buildId) => {
      reads.push(buildId);
      return { API_KEY: 'sk-live-1' };
    });
    await host.buildExec(input);
    return { reads, env: seen[0]!.env, secrets: seen[0]!.secrets };
  }

  it('joins a trusted build’s secret values to its environment and masker', async () => {
    expect(await run(exec())).toEqual({
      reads: ['bld-1'],
      env: { PUBLIC: 'yes', API_KEY: 'sk-live-1' },
      secrets: ['sk-live-1'],
    });
  });

  it('never reads an untrusted build’s secret values', async () => {
    expect(await run(exec(false))).toEqual({ reads: [], env: { PUBLIC: 'yes' }, secrets: [] });
  });
});
