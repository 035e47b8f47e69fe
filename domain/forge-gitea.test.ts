import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeForgeEvent } from './forge-events.js';

// Fixtures follow Gitea's webhook payloads (modules/structs PushPayload, CreatePayload,
// DeletePayload, PullRequestPayload) field for field; values are our own.

type Payload = Record<string, unknown>;
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/forges/gitea/${name}.json`, import.meta.url), 'utf8')) as Payload;

const repo = {
  fullName: 'ops/deploy-tools',
  cloneUrl: 'https://gitea.example.com/ops/deploy-tools.git',
  htmlUrl: 'https://gitea.example.com/ops/deploy-tools',
};

describe('Gitea push', () => {
  it('a branch push', () => {
    expect(normalizeForgeEvent('gitea', 'push', fixture('push'))).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'gitea',
        repo,
        branch: 'fix/OPS-88-timeouts',
        commit: 'f751ca13caf2771daef1542827183e8969032334',
        before: '83b5d85c69f708c8887f207607817d4ff0ac74a2',
        author: 'lena',
        message: 'OPS-88 retry rsync on timeout\n',
        deleted: false,
      },
    });
  });

  it('a tag push is ignored: Gitea also sends create/delete for it, and that one counts', () => {
    const payload = { ...fixture('push'), ref: 'refs/tags/v0.9.0' };
    expect(normalizeForgeEvent('gitea', 'push', payload)).toEqual({
      ok: false,
      ignored: 'Gitea tag push: the create or delete event carries it',
    });
  });
});

describe('Gitea create and delete', () => {
  it('create with ref_type tag is a tag event', () => {
    expect(normalizeForgeEvent('gitea', 'create', fixture('create-tag'))).toEqual({
      ok: true,
      event: {
        kind: 'tag',
        vendor: 'gitea',
        repo,
        tag: 'v0.9.0',
        commit: 'adabfca0d92e8a6b94ec9fef89eedfd6266dc7c5',
        author: 'lena',
        deleted: false,
      },
    });
  });

  it('delete with ref_type tag: deleted, and Gitea does not say which commit', () => {
    expect(normalizeForgeEvent('gitea', 'delete', fixture('delete-tag'))).toEqual({
      ok: true,
      event: { kind: 'tag', vendor: 'gitea', repo, tag: 'v0.9.0-rc1', commit: '', author: 'lena', deleted: true },
    });
  });

  it('delete with ref_type branch is the only word of a deleted branch', () => {
    expect(normalizeForgeEvent('gitea', 'delete', fixture('delete-branch'))).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'gitea',
        repo,
        branch: 'fix/OPS-88-timeouts',
        commit: '',
        before: null,
        author: 'lena',
        message: '',
        deleted: true,
      },
    });
  });

  it('create with ref_type branch is ignored: the push carries it', () => {
    const payload = { ...fixture('create-tag'), ref: 'fix/OPS-90', ref_type: 'branch' };
    expect(normalizeForgeEvent('gitea', 'create', payload)).toEqual({
      ok: false,
      ignored: 'Gitea branch creation: the push event carries it',
    });
  });

  it('create without a sha is refused, not read as a deletion', () => {
    const payload = { ...fixture('create-tag'), sha: '' };
    expect(normalizeForgeEvent('gitea', 'create', payload)).toEqual({ ok: false, ignored: 'sha missing' });
  });
});

describe('Gitea pull_request', () => {
  const pr = (action: string, commit: string) => ({
    ok: true,
    event: {
      kind: 'pull_request',
      vendor: 'gitea',
      repo,
      action,
      number: 12,
      title: 'OPS-88: retry rsync on SSH timeouts (#9)',
      branch: 'fix/OPS-88-timeouts',
      base: 'main',
      commit,
      author: 'lena',
      url: 'https://gitea.example.com/ops/deploy-tools/pulls/12',
      fork: false,
    },
  });

  it.each([
    ['pull-request-opened', pr('opened', 'f751ca13caf2771daef1542827183e8969032334')],
    ['pull-request-synchronized', pr('updated', '36280ffd9b7c8b32288b831a4bc25cf4443d4d15')],
    ['pull-request-closed', pr('closed', '36280ffd9b7c8b32288b831a4bc25cf4443d4d15')],
    ['pull-request-merged', pr('merged', '36280ffd9b7c8b32288b831a4bc25cf4443d4d15')],
  ])('%s', (name, expected) => {
    expect(normalizeForgeEvent('gitea', 'pull_request', fixture(name))).toEqual(expected);
  });

  it('reopened', () => {
    const payload = { ...fixture('pull-request-closed'), action: 'reopened' };
    expect(normalizeForgeEvent('gitea', 'pull_request', payload)).toMatchObject({
      ok: true,
      event: { action: 'reopened' },
    });
  });

  it('a head in another repository (or one that does not say) is a fork', () => {
    const opened = fixture('pull-request-opened');
    const pull = opened.pull_request as Payload & { head: Payload & { repo: Payload } };
    const withHead = (head: Payload) => ({ ...opened, pull_request: { ...pull, head: { ...pull.head, ...head } } });
    const fork = (p: Payload) => {
      const result = normalizeForgeEvent('gitea', 'pull_request', p);
      return result.ok && result.event.kind === 'pull_request' ? result.event.fork : 'not a pull request';
    };
    expect(fork(opened)).toBe(false);
    expect(
      fork(withHead({ repo_id: 77, repo: { ...pull.head.repo, id: 77, full_name: 'mallory/deploy-tools' } })),
    ).toBe(true);
    expect(fork(withHead({ repo_id: null, repo: null }))).toBe(true);
  });

  it('X-Gitea-Event-Type pull_request_sync is read like pull_request', () => {
    expect(normalizeForgeEvent('gitea', 'pull_request_sync', fixture('pull-request-synchronized'))).toEqual(
      pr('updated', '36280ffd9b7c8b32288b831a4bc25cf4443d4d15'),
    );
  });

  it.each(['edited', 'label_updated', 'assigned', 'reviewed'])('%s is ignored', (action) => {
    const payload = { ...fixture('pull-request-opened'), action };
    expect(normalizeForgeEvent('gitea', 'pull_request', payload)).toEqual({
      ok: false,
      ignored: `unsupported pull_request action "${action}"`,
    });
  });
});
