import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeForgeEvent } from './forge-events.js';

// Fixtures follow GitLab's "Webhook events" examples field for field (values are our own).

type Payload = Record<string, unknown>;
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/forges/gitlab/${name}.json`, import.meta.url), 'utf8')) as Payload;
const withMr = (p: Payload, changes: Payload): Payload => ({
  ...p,
  object_attributes: { ...(p.object_attributes as object), ...changes },
});

const repo = {
  fullName: 'platform/payments/checkout-api',
  cloneUrl: 'https://gitlab.example.com/platform/payments/checkout-api.git',
  htmlUrl: 'https://gitlab.example.com/platform/payments/checkout-api',
};

describe('GitLab Push Hook', () => {
  it('a branch push reports checkout_sha and its commit message', () => {
    expect(normalizeForgeEvent('gitlab', 'Push Hook', fixture('push'))).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'gitlab',
        repo,
        branch: 'feature/PAY-311-refund-webhook',
        commit: 'e87cd87510569bc41123cdb7c7d3ade0647ae2de',
        before: '79f489f8e06f4919bf1b3e809243fd03a07916fd',
        author: 'mkowalska',
        message: 'PAY-311 handle partial captures\n\nRefund only the captured amount.',
        deleted: false,
      },
    });
  });

  it('a deleted branch: after is zeros, checkout_sha null', () => {
    expect(normalizeForgeEvent('gitlab', 'Push Hook', fixture('push-branch-deleted'))).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'gitlab',
        repo,
        branch: 'feature/PAY-298-retry-queue',
        commit: '0be8330be4a0af5d7329993bfc34c74b5c1131cf',
        before: '0be8330be4a0af5d7329993bfc34c74b5c1131cf',
        author: 'mkowalska',
        message: '',
        deleted: true,
      },
    });
  });
});

describe('GitLab Tag Push Hook', () => {
  it('an annotated tag reports the tagged commit (checkout_sha), not the tag object (after)', () => {
    // As in GitLab's documented example, the tag payload has user_name but no user_username.
    expect(normalizeForgeEvent('gitlab', 'Tag Push Hook', fixture('tag-push'))).toEqual({
      ok: true,
      event: {
        kind: 'tag',
        vendor: 'gitlab',
        repo,
        tag: 'v2.7.0',
        commit: 'e87cd87510569bc41123cdb7c7d3ade0647ae2de',
        author: 'Maria Kowalska',
        deleted: false,
      },
    });
  });

  it('a deleted tag', () => {
    const payload = {
      ...fixture('tag-push'),
      before: 'dd2fa2c763f548111ecf6eb145afad2c164f2d6a',
      after: '0000000000000000000000000000000000000000',
      checkout_sha: null,
    };
    expect(normalizeForgeEvent('gitlab', 'Tag Push Hook', payload)).toMatchObject({
      ok: true,
      event: { kind: 'tag', tag: 'v2.7.0', commit: 'dd2fa2c763f548111ecf6eb145afad2c164f2d6a', deleted: true },
    });
  });
});

describe('GitLab Merge Request Hook', () => {
  const mr = (action: string, commit: string, author = 'mkowalska') => ({
    ok: true,
    event: {
      kind: 'pull_request',
      vendor: 'gitlab',
      repo,
      action,
      number: 57,
      title: 'PAY-311: refund webhook for partial captures',
      branch: 'feature/PAY-311-refund-webhook',
      base: 'main',
      commit,
      author,
      url: 'https://gitlab.example.com/platform/payments/checkout-api/-/merge_requests/57',
      fork: false,
    },
  });

  it.each([
    ['merge-request-open', mr('opened', 'e87cd87510569bc41123cdb7c7d3ade0647ae2de')],
    ['merge-request-update', mr('updated', '182475df481f543b8221cec329426f49264301d7')],
    ['merge-request-merge', mr('merged', '182475df481f543b8221cec329426f49264301d7', 'tjansen')],
    ['merge-request-close', mr('closed', '182475df481f543b8221cec329426f49264301d7')],
  ])('%s', (name, expected) => {
    expect(normalizeForgeEvent('gitlab', 'Merge Request Hook', fixture(name))).toEqual(expected);
  });

  it('reopen → reopened', () => {
    const payload = withMr(fixture('merge-request-close'), { action: 'reopen', state: 'opened', state_id: 1 });
    expect(normalizeForgeEvent('gitlab', 'Merge Request Hook', payload)).toMatchObject({
      ok: true,
      event: { action: 'reopened' },
    });
  });

  it.each(['approved', 'unapproved', 'approval', 'unapproval'])('%s is ignored', (action) => {
    const payload = withMr(fixture('merge-request-update'), { action });
    expect(normalizeForgeEvent('gitlab', 'Merge Request Hook', payload)).toEqual({
      ok: false,
      ignored: `unsupported merge request action "${action}"`,
    });
  });

  it('a merge request from another project (or one that does not say) is from a fork', () => {
    const fork = (p: Payload) => {
      const result = normalizeForgeEvent('gitlab', 'Merge Request Hook', p);
      return result.ok && result.event.kind === 'pull_request' ? result.event.fork : 'not a merge request';
    };
    expect(fork(withMr(fixture('merge-request-open'), { source_project_id: 999 }))).toBe(true);
    expect(fork(withMr(fixture('merge-request-open'), { source_project_id: null }))).toBe(true);
    expect(fork(withMr(fixture('merge-request-open'), { source_project_id: 318, target_project_id: 318 }))).toBe(false);
  });

  it('a merge request without last_commit names the field', () => {
    const payload = withMr(fixture('merge-request-open'), { last_commit: null });
    expect(normalizeForgeEvent('gitlab', 'Merge Request Hook', payload)).toEqual({
      ok: false,
      ignored: 'object_attributes.last_commit missing',
    });
  });
});

it('other GitLab events are ignored', () => {
  expect(normalizeForgeEvent('gitlab', 'Pipeline Hook', { object_kind: 'pipeline' })).toEqual({
    ok: false,
    ignored: 'unsupported GitLab event "Pipeline Hook"',
  });
});
