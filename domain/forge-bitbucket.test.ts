import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeForgeEvent, normalizeForgeEvents } from './forge-events.js';

// Fixtures follow Bitbucket Cloud's "Event payloads" (repo:push, pullrequest:*) field for field;
// values are our own. Bitbucket abbreviates pull request commit hashes to 12 characters.

type Payload = Record<string, unknown>;
const fixture = (name: string): Payload =>
  JSON.parse(
    readFileSync(new URL(`../test/fixtures/forges/bitbucket/${name}.json`, import.meta.url), 'utf8'),
  ) as Payload;

const repo = {
  fullName: 'northwind/billing-service',
  cloneUrl: 'https://bitbucket.org/northwind/billing-service.git',
  htmlUrl: 'https://bitbucket.org/northwind/billing-service',
};

describe('Bitbucket repo:push', () => {
  it('one branch change', () => {
    expect(normalizeForgeEvent('bitbucket', 'repo:push', fixture('repo-push'))).toEqual({
      ok: true,
      event: {
        kind: 'push',
        vendor: 'bitbucket',
        repo,
        branch: 'feature/BILL-42-invoice-pdf',
        commit: '22385b475a4b266dec96dacbecc267c2b7bd1c93',
        before: '7625af4b1dd2d32ee87c18c925d5ee264710ab66',
        author: 'praman',
        message: 'BILL-42 render line items\n',
        deleted: false,
      },
    });
  });

  it('several changes: normalizeForgeEvents returns each in order, normalizeForgeEvent the first', () => {
    const payload = fixture('repo-push-multi');
    const tag = {
      kind: 'tag',
      vendor: 'bitbucket',
      repo,
      tag: 'v3.1.0',
      commit: 'c3ec9c11c69fc7f2a4bab9cd4b999b83dd10566f',
      author: 'praman',
      deleted: false,
    };
    expect(normalizeForgeEvents('bitbucket', 'repo:push', payload)).toEqual({
      ok: true,
      events: [
        tag,
        {
          kind: 'push',
          vendor: 'bitbucket',
          repo,
          branch: 'main',
          commit: 'c3ec9c11c69fc7f2a4bab9cd4b999b83dd10566f',
          before: 'adabfca0d92e8a6b94ec9fef89eedfd6266dc7c5',
          author: 'praman',
          message: 'Bump version to 3.1.0\n',
          deleted: false,
        },
        {
          kind: 'push',
          vendor: 'bitbucket',
          repo,
          branch: 'spike/pdf-lib',
          commit: 'ff10369dbfe755c053aade03763a69b272975b1a',
          before: 'ff10369dbfe755c053aade03763a69b272975b1a',
          author: 'praman',
          message: '',
          deleted: true,
        },
      ],
    });
    expect(normalizeForgeEvent('bitbucket', 'repo:push', payload)).toEqual({ ok: true, event: tag });
  });

  it('changes of other ref types are skipped', () => {
    const payload = fixture('repo-push');
    const { changes } = payload.push as { changes: Array<{ new: Payload; old: Payload }> };
    const bookmark = changes.map((c) => ({
      ...c,
      new: { ...c.new, type: 'bookmark' },
      old: { ...c.old, type: 'bookmark' },
    }));
    expect(normalizeForgeEvents('bitbucket', 'repo:push', { ...payload, push: { changes: bookmark } })).toEqual({
      ok: false,
      ignored: 'push.changes has no branch or tag change',
    });
  });

  it('a malformed change names its path', () => {
    const payload = fixture('repo-push');
    const { changes } = payload.push as { changes: Array<{ new: { target: Payload } }> };
    const broken = changes.map((c) => ({ ...c, new: { ...c.new, target: { ...c.new.target, hash: undefined } } }));
    expect(normalizeForgeEvents('bitbucket', 'repo:push', { ...payload, push: { changes: broken } })).toEqual({
      ok: false,
      ignored: 'push.changes.0.new.target.hash missing',
    });
  });
});

describe('Bitbucket pull requests', () => {
  const pr = (action: string, commit: string) => ({
    ok: true,
    event: {
      kind: 'pull_request',
      vendor: 'bitbucket',
      repo,
      action,
      number: 19,
      title: 'BILL-42 Render invoices as PDF',
      branch: 'feature/BILL-42-invoice-pdf',
      base: 'main',
      commit,
      author: 'praman',
      url: 'https://bitbucket.org/northwind/billing-service/pull-requests/19',
      fork: false,
    },
  });

  it.each([
    ['pullrequest:created', pr('opened', '22385b475a4b')],
    ['pullrequest:updated', pr('updated', 'e87cd8751056')],
    ['pullrequest:fulfilled', pr('merged', 'e87cd8751056')],
    ['pullrequest:rejected', pr('closed', 'e87cd8751056')],
  ])('%s', (key, expected) => {
    expect(normalizeForgeEvent('bitbucket', key, fixture(key.replace(':', '-')))).toEqual(expected);
  });

  it('the author falls back to display_name when nickname is absent', () => {
    const payload = fixture('pullrequest-created');
    const pull = payload.pullrequest as Payload;
    const withoutNickname = {
      ...payload,
      pullrequest: { ...pull, author: { ...(pull.author as Payload), nickname: undefined } },
    };
    expect(normalizeForgeEvent('bitbucket', 'pullrequest:created', withoutNickname)).toMatchObject({
      ok: true,
      event: { author: 'Priya Raman' },
    });
  });

  it('a source in another repository (or one that does not say) is a fork', () => {
    const payload = fixture('pullrequest-created');
    const pull = payload.pullrequest as Payload & { source: Payload };
    const withSource = (repository: unknown) => ({
      ...payload,
      pullrequest: { ...pull, source: { ...pull.source, repository } },
    });
    const fork = (p: Payload) => {
      const result = normalizeForgeEvent('bitbucket', 'pullrequest:created', p);
      return result.ok && result.event.kind === 'pull_request' ? result.event.fork : 'not a pull request';
    };
    expect(fork(payload)).toBe(false);
    expect(
      fork(withSource({ full_name: 'mallory/billing-service', uuid: '{11111111-2222-4333-8444-555555555555}' })),
    ).toBe(true);
    expect(fork(withSource(undefined))).toBe(true);
  });

  it('other event keys are ignored', () => {
    expect(normalizeForgeEvent('bitbucket', 'pullrequest:approved', fixture('pullrequest-updated'))).toEqual({
      ok: false,
      ignored: 'unsupported Bitbucket event "pullrequest:approved"',
    });
  });
});
