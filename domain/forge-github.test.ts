import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { normalizeForgeEvent, normalizeForgeEvents } from './forge-events.js';

// Real payloads: @octokit/webhooks-examples ships every example GitHub documents, one list per event
// (its main entry is api.github.com/index.json; ghes-3x/index.json hold the Enterprise ones).

type Payload = Record<string, unknown> & { action?: string; ref?: string; deleted?: boolean; created?: boolean };
interface Definition {
  name: string;
  examples: Payload[];
}

const require = createRequire(import.meta.url);
const dotcom = require('@octokit/webhooks-examples') as Definition[];
const enterprise = ['31', '32', '33', '34', '35'].flatMap(
  (v) => require(`@octokit/webhooks-examples/ghes-${v}/index.json`) as Definition[],
);

function examples(name: string, from: Definition[] = dotcom): Payload[] {
  const found = from.filter((d) => d.name === name).flatMap((d) => d.examples);
  if (found.length === 0) throw new Error(`@octokit/webhooks-examples has no "${name}" example`);
  return found;
}
function example(name: string, match: (p: Payload) => boolean): Payload {
  const found = examples(name).find(match);
  if (!found) throw new Error(`no matching "${name}" example`);
  return found;
}
const prAction = (action: string) => example('pull_request', (p) => p.action === action);
const withPr = (p: Payload, changes: Record<string, unknown>): Payload => ({
  ...p,
  pull_request: { ...(p.pull_request as object), ...changes },
});

const repo = {
  fullName: 'Codertocat/Hello-World',
  cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
  htmlUrl: 'https://github.com/Codertocat/Hello-World',
};
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

describe('GitHub push', () => {
  it('a push that creates a branch', () => {
    const payload = example('push', (p) => p.ref === 'refs/heads/master' && p.created === true);
    expect(normalizeForgeEvent('github', 'push', payload)).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'github',
        repo,
        branch: 'master',
        commit: SHA,
        before: null,
        author: 'Codertocat',
        message: 'Initial commit',
        deleted: false,
      },
    });
  });

  it('a push to refs/tags/* is a tag event', () => {
    const payload = example('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false);
    expect(normalizeForgeEvent('github', 'push', payload)).toEqual({
      ok: true,
      event: {
        kind: 'tag',
        vendor: 'github',
        repo,
        tag: 'simple-tag',
        commit: SHA,
        author: 'Codertocat',
        deleted: false,
      },
    });
  });

  it('a deleted tag names the commit it pointed to', () => {
    const payload = example('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === true);
    expect(normalizeForgeEvent('github', 'push', payload)).toEqual({
      ok: true,
      event: {
        kind: 'tag',
        vendor: 'github',
        repo,
        tag: 'simple-tag',
        commit: SHA,
        author: 'Codertocat',
        deleted: true,
      },
    });
  });

  it('a deleted branch', () => {
    // The package has no branch-deletion example; a deletion payload differs from the tag one
    // above only in its ref (after = zeros, head_commit null, commits empty), so reuse it.
    const deletion = example('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === true);
    const payload = { ...deletion, ref: 'refs/heads/feature/ABC-123-login' };
    expect(normalizeForgeEvent('github', 'push', payload)).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'github',
        repo,
        branch: 'feature/ABC-123-login',
        commit: SHA,
        before: SHA,
        author: 'Codertocat',
        message: '',
        deleted: true,
      },
    });
  });

  it('normalizes every push example, github.com and Enterprise alike', () => {
    const all = [...examples('push'), ...examples('push', enterprise)];
    expect(all.length).toBeGreaterThan(5);
    for (const payload of all) {
      const result = normalizeForgeEvent('github', 'push', payload);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (result.ok) expect(result.event.kind).toBe(payload.ref?.startsWith('refs/tags/') ? 'tag' : 'push');
    }
  });
});

describe('GitHub pull_request', () => {
  const expected = (action: string) => ({
    ok: true,
    event: {
      kind: 'pull_request',
      vendor: 'github',
      repo,
      action,
      number: 2,
      title: 'Update the README with new information.',
      branch: 'changes',
      base: 'master',
      commit: PR_HEAD,
      author: 'Codertocat',
      url: 'https://github.com/Codertocat/Hello-World/pull/2',
      fork: false,
    },
  });

  it.each([
    ['opened', 'opened'],
    ['synchronize', 'updated'],
    ['closed', 'closed'],
    ['reopened', 'reopened'],
  ])('action %s → %s', (action, ours) => {
    const payload = prAction(action);
    if (action === 'closed') expect((payload.pull_request as Payload).merged).toBe(false);
    expect(normalizeForgeEvent('github', 'pull_request', payload)).toEqual(expected(ours));
  });

  it('closed with merged: true → merged', () => {
    // The package's closed examples are all unmerged; GitHub marks a merge by the same action
    // with pull_request.merged = true (and merged_at, merge_commit_sha set).
    const payload = withPr(prAction('closed'), {
      merged: true,
      merged_at: '2019-05-15T15:30:00Z',
      merge_commit_sha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
    });
    expect(normalizeForgeEvent('github', 'pull_request', payload)).toEqual(expected('merged'));
  });

  it.each(['labeled', 'assigned', 'ready_for_review', 'review_requested'])('action %s is ignored', (action) => {
    expect(normalizeForgeEvent('github', 'pull_request', prAction(action))).toEqual({
      ok: false,
      ignored: `unsupported pull_request action "${action}"`,
    });
  });

  it('a head in another repository (or in a deleted fork) is a fork; the same repository is not', () => {
    const opened = prAction('opened');
    const pr = opened.pull_request as { head: Payload & { repo: Payload }; base: Payload };
    const head = (repo: unknown) => withPr(opened, { head: { ...pr.head, repo } });
    const forked = head({ ...pr.head.repo, id: 4242, full_name: 'mallory/Hello-World' });
    const fork = (p: Payload) => {
      const result = normalizeForgeEvent('github', 'pull_request', p);
      return result.ok && result.event.kind === 'pull_request' ? result.event.fork : 'not a pull request';
    };
    expect(fork(opened)).toBe(false);
    expect(fork(forked)).toBe(true);
    expect(fork(head(null))).toBe(true);
    expect(fork(head('Codertocat/Hello-World'))).toBe(true);
    // Names decide only where an id is missing; GitHub's names are case-insensitive.
    expect(fork(head({ full_name: 'codertocat/hello-world' }))).toBe(false);
    expect(fork(head({ full_name: 'mallory/Hello-World' }))).toBe(true);
  });

  it('a malformed pull request names the missing field', () => {
    const payload = withPr(prAction('opened'), { head: { ref: 'changes' } });
    expect(normalizeForgeEvent('github', 'pull_request', payload)).toEqual({
      ok: false,
      ignored: 'pull_request.head.sha missing',
    });
  });
});

describe('GitHub events that carry no change', () => {
  it('ping is ignored', () => {
    expect(normalizeForgeEvent('github', 'ping', examples('ping')[0])).toEqual({ ok: false, ignored: 'ping' });
  });

  it('an unknown event is ignored', () => {
    expect(normalizeForgeEvents('github', 'issues', examples('issues')[0])).toEqual({
      ok: false,
      ignored: 'unsupported GitHub event "issues"',
    });
  });

  it('create is ignored: the push for the same ref carries it', () => {
    const result = normalizeForgeEvent('github', 'create', examples('create')[0]);
    expect(result).toEqual({ ok: false, ignored: 'create: the push event for the same ref carries it' });
  });
});
