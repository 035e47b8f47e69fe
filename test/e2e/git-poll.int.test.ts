// A plain git repository without webhooks, polled with `git ls-remote` on a Temporal schedule.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { polledRefs } from '../../db/schema.js';
import { eventually, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const repo = mkdtempSync(join(tmpdir(), 'slipway-polled-'));
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'pipe' })
    .toString()
    .trim();
const commit = (file: string) => {
  writeFileSync(join(repo, file), file);
  git('add', '.');
  git('commit', '-q', '-m', file);
  return git('rev-parse', 'HEAD');
};

beforeAll(async () => {
  git('init', '-q', '-b', 'main');
  commit('a.txt');
  stack = await startStack({
    configYaml: `services: {}\nrepositories:\n  lab/tools: { poll: { url: "file://${repo}", every: 1s }, branches: { job: lab/ci } }\n`,
  });
  await stack.call('PUT', '/v1/jobs/lab/ci', {
    body: {
      title: 'ci',
      repository: { url: `file://${repo}`, ref: 'main' },
      stages: [{ title: 't', steps: [{ title: 'show', command: 'git log -1 --format=%H 2>/dev/null || ls' }] }],
    },
  });
});
afterAll(async () => stack.close());

it('builds a branch copy when a polled branch moves, once per commit', async () => {
  // The first poll only records the heads: the commit made before it builds nothing.
  await eventually(
    async () => (await stack.database.db.select().from(polledRefs)).length > 0,
    'the first poll to record the heads',
    30_000,
  );
  const sha = commit('b.txt');
  const builds = await eventually(
    async () => {
      const res = await stack.call('GET', '/v1/jobs/lab/ci/branch-main/builds');
      return res.status === 200 && res.body.builds.length > 0 && res.body.builds[0].status === 'succeeded'
        ? res.body.builds
        : undefined;
    },
    'a build of lab/ci/branch-main',
    60_000,
  );
  expect(builds).toHaveLength(1);
  expect(builds[0].commit).toBe(sha);
  await new Promise((r) => setTimeout(r, 3000));
  expect((await stack.call('GET', '/v1/jobs/lab/ci/branch-main/builds')).body.builds).toHaveLength(1);
});
