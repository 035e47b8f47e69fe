// The forge activities over real HTTP against the loopback fakes of GitHub, GitLab and Gitea, run in
// Temporal's MockActivityEnvironment so that the activity Context is the SDK's own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../domain/errors.js';
import { startFakeGitea, type FakeGitea } from '../test/fakes/gitea.js';
import { startFakeGitHub, type FakeGitHub } from '../test/fakes/github.js';
import { startFakeGitLab, type FakeGitLab } from '../test/fakes/gitlab.js';
import { createForgeActivities, ForgeRejected, type CommitStatusInput, type ForgeDeps } from './forge.js';

const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
const SHA2 = '0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33';

function run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run<P, R, typeof fn>(fn, ...args);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function expectRejected(err: Error, type: string) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).type).toBe(type);
}

function expectRetryable(err: Error) {
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
}

describe('forge activities against fake GitHub, GitLab and Gitea', () => {
  let github: FakeGitHub;
  let gitlab: FakeGitLab;
  let gitea: FakeGitea;
  let servers: ForgeDeps['servers'];
  let forge: ReturnType<typeof createForgeActivities>;

  beforeAll(async () => {
    [github, gitlab, gitea] = await Promise.all([
      startFakeGitHub({ repos: ['acme/web', 'acme/api'] }),
      startFakeGitLab({ projects: ['platform/team/web'] }),
      startFakeGitea({ repos: ['ops/infra'] }),
    ]);
    servers = {
      gh: { vendor: 'github', apiUrl: github.url, token: github.token },
      gl: { vendor: 'gitlab', apiUrl: gitlab.url, token: gitlab.token },
      gt: { vendor: 'gitea', apiUrl: `${gitea.url}/`, token: gitea.token },
    };
    forge = createForgeActivities({ servers, requestTimeoutMs: 2_000 });
  });
  afterAll(() => Promise.all([github.close(), gitlab.close(), gitea.close()]));

  const status = (over: Partial<CommitStatusInput>): CommitStatusInput => ({
    server: 'gh',
    repo: 'acme/web',
    sha: SHA,
    state: 'pending',
    context: 'slipway/build',
    ...over,
  });

  it('sets a GitHub status pending then success, with context, target_url and description', async () => {
    await run(
      forge.forgeSetCommitStatus,
      status({ targetUrl: 'https://slipway.example/builds/7', description: 'Building' }),
    );
    await run(
      forge.forgeSetCommitStatus,
      status({ state: 'success', targetUrl: 'https://slipway.example/builds/7', description: 'Built in 42 s' }),
    );
    expect(github.statuses('acme', 'web', SHA)).toEqual([
      {
        sha: SHA,
        state: 'pending',
        context: 'slipway/build',
        target_url: 'https://slipway.example/builds/7',
        description: 'Building',
      },
      {
        sha: SHA,
        state: 'success',
        context: 'slipway/build',
        target_url: 'https://slipway.example/builds/7',
        description: 'Built in 42 s',
      },
    ]);
    // Through the API as GitHub shows it: newest first.
    const res = await fetch(`${github.url}/repos/acme/web/commits/${SHA}/statuses`, {
      headers: { Authorization: `Bearer ${github.token}` },
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(((await res.json()) as Array<{ state: string }>).map((s) => s.state)).toEqual(['success', 'pending']);
  });

  it('truncates a long description to 140 characters and repeats a status harmlessly', async () => {
    const input = status({ sha: SHA2, state: 'failure', description: `step "test" failed: ${'x'.repeat(300)}` });
    await run(forge.forgeSetCommitStatus, input);
    await run(forge.forgeSetCommitStatus, input);
    const recorded = github.statuses('acme', 'web', SHA2);
    expect(recorded).toHaveLength(2);
    expect([...recorded[0]!.description!]).toHaveLength(140);
    expect(recorded[0]!.description).toMatch(/^step "test" failed: x+…$/);
  });

  it('leaves a 502 to Temporal (plain error), then succeeds on the next attempt', async () => {
    github.failNext(1, 502);
    const before = github.requests().length;
    const err = await rejection(run(forge.forgeSetCommitStatus, status({ context: 'slipway/deploy' })));
    expectRetryable(err);
    expect(err.message).toMatch(/GitHub "gh" repo acme\/web: .*a94a8fe5.* HTTP 502/);
    expect(github.requests().length).toBe(before + 1); // Octokit did not retry on its own
    await run(forge.forgeSetCommitStatus, status({ context: 'slipway/deploy' }));
    expect(github.statuses('acme', 'web', SHA).filter((s) => s.context === 'slipway/deploy')).toHaveLength(1);
  });

  it('rejects a bad token non-retryably without naming the token', async () => {
    const badToken = 'ghp_wrongwrongwrongwrongwrongwrongwrong';
    const bad = createForgeActivities({ servers: { gh: { ...servers.gh!, token: badToken } } });
    const err = await rejection(run(bad.forgeSetCommitStatus, status({})));
    expectRejected(err, ForgeRejected);
    expect(err.message).toMatch(
      /"gh".*acme\/web.*a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.*HTTP 401 \(Bad credentials\)/,
    );
    expect(err.message).not.toContain(badToken);
    expect(err.message).not.toContain(github.token);
  });

  it('rejects an unknown repository, an invalid sha and an unknown server non-retryably', async () => {
    const missing = await rejection(run(forge.forgeSetCommitStatus, status({ repo: 'acme/nope' })));
    expectRejected(missing, ForgeRejected);
    expect(missing.message).toMatch(/acme\/nope.*HTTP 404 \(Not Found\)/);
    expectRejected(await rejection(run(forge.forgeSetCommitStatus, status({ sha: 'main' }))), ErrorType.BadConfig);
    expectRejected(await rejection(run(forge.forgeSetCommitStatus, status({ server: 'nope' }))), ErrorType.BadConfig);
  });

  it('retries a GitHub rate limit (403 with x-ratelimit-remaining: 0) and an unreachable server', async () => {
    github.setRateLimitRemaining(0);
    try {
      const limited = await rejection(run(forge.forgeSetCommitStatus, status({})));
      expectRetryable(limited);
      expect(limited.message).toMatch(/HTTP 403/);
    } finally {
      github.setRateLimitRemaining(5000);
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const down = createForgeActivities({
      servers: { gh: { vendor: 'github', apiUrl: `http://127.0.0.1:${port}`, token: 't' } },
    });
    const refused = await rejection(run(down.forgeSetCommitStatus, status({})));
    expectRetryable(refused);
    expect(refused.message).toMatch(/failed: ECONNREFUSED$/);
  });

  it('times out a forge that does not answer (retryable) and stops waiting when cancelled', async () => {
    const hanging: Server = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    try {
      const slow = createForgeActivities({
        servers: {
          gh: { vendor: 'github', apiUrl: base, token: 't' },
          gt: { vendor: 'gitea', apiUrl: `${base}/api/v1`, token: 't' },
        },
        requestTimeoutMs: 200,
      });
      for (const server of ['gh', 'gt']) {
        const timedOut = await rejection(run(slow.forgeSetCommitStatus, status({ server })));
        expectRetryable(timedOut);
        expect(timedOut.message).toMatch(/timed out after 200 ms/);
      }
      const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
      const pending = env.run(slow.forgeSetCommitStatus, status({}));
      setTimeout(() => env.cancel(), 50);
      expect(await rejection(pending)).toBeInstanceOf(CancelledFailure);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('maps states for GitLab and takes a repeated in-progress status as done', async () => {
    const gl = (state: CommitStatusInput['state'], sha = SHA) =>
      status({
        server: 'gl',
        repo: 'platform/team/web',
        sha,
        state,
        targetUrl: 'https://slipway.example/b/1',
        description: state,
      });
    await run(forge.forgeSetCommitStatus, gl('pending'));
    await run(forge.forgeSetCommitStatus, gl('pending')); // GitLab answers 400 "Cannot transition status via :run from :running"
    await run(forge.forgeSetCommitStatus, gl('success'));
    await run(forge.forgeSetCommitStatus, gl('failure', SHA2));
    await run(forge.forgeSetCommitStatus, gl('error', SHA2));
    expect(gitlab.statuses('platform/team/web').map((s) => [s.sha, s.status, s.name, s.target_url])).toEqual([
      [SHA, 'running', 'slipway/build', 'https://slipway.example/b/1'],
      [SHA, 'success', 'slipway/build', 'https://slipway.example/b/1'],
      [SHA2, 'failed', 'slipway/build', 'https://slipway.example/b/1'],
      [SHA2, 'failed', 'slipway/build', 'https://slipway.example/b/1'],
    ]);
    const badToken = 'glpat-not-the-right-one';
    const bad = createForgeActivities({ servers: { gl: { ...servers.gl!, token: badToken } } });
    const err = await rejection(run(bad.forgeSetCommitStatus, gl('success')));
    expectRejected(err, ForgeRejected);
    expect(err.message).toMatch(/GitLab "gl" repo platform\/team\/web.*HTTP 401/);
    expect(err.message).not.toContain(badToken);
    gitlab.failNext(1, 503);
    expectRetryable(await rejection(run(forge.forgeSetCommitStatus, gl('pending', SHA2))));
  });

  it('sets Gitea statuses under the same state names', async () => {
    const gt = (state: CommitStatusInput['state']) =>
      status({ server: 'gt', repo: 'ops/infra', state, context: 'slipway/deploy', description: `deploy ${state}` });
    for (const state of ['pending', 'success', 'failure', 'error'] as const)
      await run(forge.forgeSetCommitStatus, gt(state));
    expect(gitea.statuses('ops/infra', SHA).map((s) => [s.state, s.context, s.description])).toEqual([
      ['pending', 'slipway/deploy', 'deploy pending'],
      ['success', 'slipway/deploy', 'deploy success'],
      ['failure', 'slipway/deploy', 'deploy failure'],
      ['error', 'slipway/deploy', 'deploy error'],
    ]);
    const missing = await rejection(run(forge.forgeSetCommitStatus, { ...gt('success'), repo: 'ops/nope' }));
    expectRejected(missing, ForgeRejected);
  });

  it('reads GitHub issues, and null for an issue that does not exist', async () => {
    github.setIssue('acme', 'api', { number: 7, title: 'Roll out v2 to preprod', labels: ['deploy'] });
    github.setIssue('acme', 'api', { number: 8, title: 'Old migration', state: 'closed' });
    expect(await run(forge.forgeIssue, { server: 'gh', repo: 'acme/api', number: 7 })).toEqual({
      number: 7,
      title: 'Roll out v2 to preprod',
      state: 'open',
      url: 'https://github.com/acme/api/issues/7',
    });
    expect(await run(forge.forgeIssue, { server: 'gh', repo: 'ACME/API', number: 8 })).toMatchObject({
      state: 'closed',
    });
    expect(await run(forge.forgeIssue, { server: 'gh', repo: 'acme/api', number: 9 })).toBeNull();
    expectRejected(
      await rejection(run(forge.forgeIssue, { server: 'gl', repo: 'platform/team/web', number: 1 })),
      ErrorType.BadConfig,
    );
  });
});
