import { describe, expect, it } from 'vitest';
import { featureKeys, normalizeForgeEvent, normalizeForgeEvents, type ForgeVendor } from './forge-events.js';

// The dispatcher's own contract; each vendor's payloads are tested in forge-<vendor>.test.ts.

describe('featureKeys', () => {
  it.each<[string, string[]]>([
    ['feature/ABC-123-login', ['ABC-123']],
    ['ABC-123', ['ABC-123']],
    ['bugfix_PAY-7_rounding', ['PAY-7']],
    ['PAY-311: refund webhook (#42)', ['PAY-311', '#42']],
    ['Fix #42 and #7, again #42', ['#42', '#7']],
    ['OPS-88 then ABC-1 then OPS-88', ['OPS-88', 'ABC-1']],
    ['#9 before XY-1', ['#9', 'XY-1']],
    ['ABCDEFGHIJ-1 has ten letters', ['ABCDEFGHIJ-1']],
    ['ABCDEFGHIJK-1 has eleven', []],
    ['A-1 has one letter', []],
    ['abc-123 is lower case', []],
    ['xABC-123 sits inside a word', []],
    ['ABC-123x runs on', []],
    ['page#42 and &#42; are not issue refs', []],
    ['release/2025-03', []],
    ['', []],
  ])('%j → %j', (text, keys) => {
    expect(featureKeys(text)).toEqual(keys);
  });
});

describe('normalizeForgeEvent(s)', () => {
  it('a payload that is not an object is refused with a reason, not a throw', () => {
    for (const vendor of ['github', 'gitea'] as const) {
      expect(normalizeForgeEvent(vendor, 'push', null)).toEqual({ ok: false, ignored: 'payload missing' });
      expect(normalizeForgeEvent(vendor, 'push', 'push')).toEqual({
        ok: false,
        ignored: 'payload invalid (Invalid input: expected object, received string)',
      });
    }
  });

  it.each<[ForgeVendor, string, unknown, string]>([
    [
      'github',
      'push',
      { ref: 'refs/heads/main', before: '1', after: '2', pusher: { name: 'a' } },
      'repository missing',
    ],
    ['github', 'pull_request', { number: 1 }, 'action missing'],
    [
      'gitlab',
      'Push Hook',
      {
        ref: 'refs/heads/main',
        before: '1',
        after: '2',
        user_name: 'a',
        project: { path_with_namespace: 'g/p', web_url: 'w' },
      },
      'project.git_http_url missing',
    ],
    ['gitlab', 'Merge Request Hook', { object_attributes: {} }, 'object_attributes.action missing'],
    [
      'gitea',
      'pull_request',
      { action: 'opened', number: '12' },
      'number invalid (Invalid input: expected number, received string)',
    ],
    [
      'bitbucket',
      'repo:push',
      { actor: { display_name: 'a' }, repository: { full_name: 'w/r', links: { html: { href: 'h' } } } },
      'push missing',
    ],
  ])('%s %s: a malformed payload names the field', (vendor, type, payload, reason) => {
    expect(normalizeForgeEvents(vendor, type, payload)).toEqual({ ok: false, ignored: reason });
  });

  it('a ref outside refs/heads and refs/tags is ignored', () => {
    const payload = {
      ref: 'refs/notes/commits',
      before: '1111111111111111111111111111111111111111',
      after: '2222222222222222222222222222222222222222',
      repository: { full_name: 'o/r', clone_url: 'c', html_url: 'h' },
      pusher: { name: 'a' },
      head_commit: null,
    };
    expect(normalizeForgeEvent('github', 'push', payload)).toEqual({
      ok: false,
      ignored: 'ref refs/notes/commits is neither a branch nor a tag',
    });
  });

  it('the event type header is trimmed', () => {
    expect(normalizeForgeEvent('github', ' ping\n', {})).toEqual({ ok: false, ignored: 'ping' });
  });

  it('an unknown vendor from an untyped caller is ignored, not thrown', () => {
    expect(normalizeForgeEvents('sourcehut' as ForgeVendor, 'push', {})).toEqual({
      ok: false,
      ignored: 'unknown forge "sourcehut"',
    });
    expect(normalizeForgeEvents('toString' as ForgeVendor, 'push', {})).toEqual({
      ok: false,
      ignored: 'unknown forge "toString"',
    });
  });
});
