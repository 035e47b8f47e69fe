import { describe, expect, it } from 'vitest';
import { RollingTail, createCredentialMasker, createMasker, pieces, splitAtByte } from './output-text.js';

describe('createMasker', () => {
  it('masks one split across writes, and never lets a partial one through early', () => {
    const masker = createMasker(['hunter2', 'ab']);
    const out = [masker.push('pass: hun'), masker.push('ter2 and a'), masker.push('b!'), masker.flush()];
    expect(out[0]).toBe('pas'); // the last 6 characters wait: they may begin "hunter2"
    expect(out.join('')).toBe('pass: *** and ***!');
  });

  it.each([
    { what: 'within one write', writes: ['token=s3cr3t ok'], secrets: ['s3cr3t'], text: 'token=*** ok' },
    {
      what: 'split across writes',
      writes: ['token=s3c', 'r3t and again s3', 'cr3t'],
      secrets: ['s3cr3t'],
      text: 'token=*** and again ***',
    },
    { what: 'longest secret first', writes: ['abcdef abc'], secrets: ['abc', 'abcdef'], text: '*** ***' },
    { what: 'empty secret ignored', writes: ['plain'], secrets: [''], text: 'plain' },
    { what: 'no secrets: text passes at once', writes: ['a', 'b'], secrets: [], text: 'ab' },
    { what: 'several secrets', writes: ['u=alice p=hunter2'], secrets: ['alice', 'hunter2'], text: 'u=*** p=***' },
    {
      what: 'regex characters in a secret are literal',
      writes: ['a.b axb (x)'],
      secrets: ['a.b', '(x)'],
      text: '*** axb ***',
    },
    { what: 'a surrogate pair is never cut', writes: ['x😀', 'y'], secrets: ['abc'], text: 'x😀y' },
  ])('$what', ({ writes, secrets, text }) => {
    const masker = createMasker(secrets);
    expect(writes.map((w) => masker.push(w)).join('') + masker.flush()).toBe(text);
  });
});

describe('createCredentialMasker', () => {
  const run = (chunks: string[], holdLimit?: number) => {
    const m = createCredentialMasker(holdLimit);
    return chunks.map((c) => m.push(c)).join('') + m.flush();
  };

  it('masks the credentials of a URL split anywhere across writes', () => {
    const text = 'pushing to https://bot:ghp_T0ken@registry.example.com/app done\nok';
    for (let i = 1; i < text.length; i++) {
      expect(run([text.slice(0, i), text.slice(i)])).toBe('pushing to https://***@registry.example.com/app done\nok');
    }
  });

  it('holds back only the text after the last whitespace, and at most holdLimit of it', () => {
    const m = createCredentialMasker(8);
    expect(m.push('one two thr')).toBe('one two ');
    expect(m.push('ee')).toBe('');
    expect(m.push('-and-more-than-eight')).toBe('three-and-more-than-eight');
    expect(m.flush()).toBe('');
  });
});

describe('splitAtByte and pieces', () => {
  it.each([
    { text: 'abcdef', bytes: 4, split: ['abcd', 'ef'] },
    { text: 'aé€', bytes: 2, split: ['a', 'é€'] },
    { text: 'aé€', bytes: 3, split: ['aé', '€'] },
    { text: 'aé€', bytes: 99, split: ['aé€', ''] },
    { text: 'abc', bytes: 0, split: ['', 'abc'] },
  ])('splitAtByte($text, $bytes)', ({ text, bytes, split }) => {
    expect(splitAtByte(text, bytes)).toEqual(split);
  });

  it.each([
    { text: 'abcdefg', size: 3, parts: ['abc', 'def', 'g'] },
    { text: 'é€😀x', size: 3, parts: ['é', '€', '😀', 'x'] },
    { text: '😀😀', size: 1, parts: ['😀', '😀'] },
  ])('pieces($text, $size)', ({ text, size, parts }) => {
    expect([...pieces(text, size)]).toEqual(parts);
  });
});

describe('RollingTail', () => {
  const tail = (limit: number, writes: string[]) => {
    const t = new RollingTail(limit);
    for (const w of writes) t.push(w);
    return t;
  };

  it.each([
    { what: 'nothing written', writes: [], limit: 8, wholeLines: true, kept: { omitted: 0, text: '' } },
    {
      what: 'under the limit: all of it',
      writes: ['ab', 'cd'],
      limit: 8,
      wholeLines: true,
      kept: { omitted: 0, text: 'abcd' },
    },
    {
      what: 'exactly the limit: all of it',
      writes: ['1234', '5678'],
      limit: 8,
      wholeLines: false,
      kept: { omitted: 0, text: '12345678' },
    },
    {
      what: 'the last bytes of many writes',
      writes: ['0123456789', 'abcdefghij'],
      limit: 8,
      wholeLines: false,
      kept: { omitted: 12, text: 'cdefghij' },
    },
    {
      what: 'one write larger than the ring',
      writes: ['x'.repeat(50) + 'tail'],
      limit: 4,
      wholeLines: false,
      kept: { omitted: 50, text: 'tail' },
    },
    {
      what: 'never from inside a character',
      writes: ['aéééé'],
      limit: 3,
      wholeLines: false,
      kept: { omitted: 7, text: 'é' },
    },
    {
      what: 'from the first whole line',
      writes: ['one\ntwo\nthree'],
      limit: 8,
      wholeLines: true,
      kept: { omitted: 8, text: 'three' },
    },
    {
      what: 'kept whole when it begins a line',
      writes: ['one\ntwo\nthree'],
      limit: 9,
      wholeLines: true,
      kept: { omitted: 4, text: 'two\nthree' },
    },
    {
      what: 'not moved without wholeLines',
      writes: ['one\ntwo\nthree'],
      limit: 8,
      wholeLines: false,
      kept: { omitted: 5, text: 'wo\nthree' },
    },
  ])('$what', ({ writes, limit, wholeLines, kept }) => {
    expect(tail(limit, writes).take({ wholeLines })).toEqual(kept);
  });

  it('trusts startsLine when nothing before the kept text is in the ring', () => {
    const t = new RollingTail(100);
    t.startsLine = false;
    t.push('rest of a line\nnext\n');
    expect(t.take({ wholeLines: true })).toEqual({ omitted: 0, text: 'rest of a line\nnext\n' });
  });
});
