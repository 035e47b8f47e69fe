import { describe, expect, it } from 'vitest';
import { RepositoryConfig } from './config.js';
import type { PullRequestEvent, PushEvent } from './forge-events.js';
import { jobAction } from './job-links.js';

const repo = { fullName: 'acme/shop', cloneUrl: 'https://example.com/acme/shop.git', htmlUrl: '' };
const pr = (fork: boolean | undefined): PullRequestEvent =>
  ({
    kind: 'pull_request',
    vendor: 'github',
    repo,
    action: 'opened',
    number: 7,
    title: 't',
    branch: 'topic',
    base: 'main',
    commit: 'a'.repeat(40),
    author: 'someone',
    url: '',
    fork,
  }) as PullRequestEvent;
const push: PushEvent = {
  kind: 'push',
  vendor: 'github',
  repo,
  branch: 'main',
  commit: 'b'.repeat(40),
  before: null,
  author: 'someone',
  message: '',
  deleted: false,
};
const rule = (pullRequests: Record<string, unknown>) =>
  RepositoryConfig.parse({ pullRequests: { job: 'ci', ...pullRequests }, branches: { job: 'ci' } });
const trusted = (action: ReturnType<typeof jobAction>) => (action?.action === 'build' ? action.trusted : null);

describe('which builds are trusted', () => {
  it('pull requests are untrusted by default, from a fork or not', () => {
    expect(trusted(jobAction(rule({}), pr(false)))).toBe(false);
    expect(trusted(jobAction(rule({}), pr(true)))).toBe(false);
  });

  it('trustSameRepository trusts a head branch in the repository itself, never a fork', () => {
    const opted = rule({ trustSameRepository: true });
    expect(trusted(jobAction(opted, pr(false)))).toBe(true);
    expect(trusted(jobAction(opted, pr(true)))).toBe(false);
  });

  it('an event that does not say whether it comes from a fork is not trusted', () => {
    expect(trusted(jobAction(rule({ trustSameRepository: true }), pr(undefined)))).toBe(false);
  });

  it('a branch push is trusted (it takes push rights)', () => {
    expect(trusted(jobAction(rule({}), push))).toBe(true);
  });
});
