import { describe, expect, it } from 'vitest';
import { ansiSegments, createAnsiParser } from './ansi.js';

describe('ansiSegments', () => {
  it('keeps plain text as one unstyled segment, newlines and tabs included', () => {
    expect(ansiSegments('hello\n\tworld\n')).toEqual([['hello\n\tworld\n', '']]);
  });

  it.each([
    ['\x1b[31mred\x1b[0m', [['red', 'ansi-fg-1']]],
    [
      '\x1b[1;32mok\x1b[m done',
      [
        ['ok', 'ansi-bold ansi-fg-2'],
        [' done', ''],
      ],
    ],
    ['\x1b[91mbright\x1b[39m', [['bright', 'ansi-fg-9']]],
    ['\x1b[44;97mon blue', [['on blue', 'ansi-fg-15 ansi-bg-4']]],
    [
      '\x1b[38;5;3m256\x1b[38;5;200mfar',
      [
        ['256', 'ansi-fg-3'],
        ['far', ''],
      ],
    ],
    [
      '\x1b[38;2;10;20;30mtrue\x1b[1mbold',
      [
        ['true', ''],
        ['bold', 'ansi-bold'],
      ],
    ],
    [
      '\x1b[2;3;4mx\x1b[22;23;24my',
      [
        ['x', 'ansi-dim ansi-italic ansi-underline'],
        ['y', ''],
      ],
    ],
  ])('renders SGR %j', (input, expected) => {
    expect(ansiSegments(input)).toEqual(expected);
  });

  it.each([
    ['cursor movement and erasing', 'a\x1b[2Kb\x1b[1;1Hc\x1b[?25ld', 'abcd'],
    ['OSC titles and hyperlinks', '\x1b]0;title\x07x\x1b]8;;http://e\x1b\\y', 'xy'],
    ['other escapes and control characters', 'a\x1b(Bb\x07c\rd\x08e\x1b=f\u009b', 'abcdef'],
  ])('strips %s', (_what, input, text) => {
    expect(ansiSegments(input)).toEqual([[text, '']]);
  });

  it('leaves markup as text: escaping is the renderer’s job', () => {
    expect(ansiSegments('<script>alert(1)</script>')).toEqual([['<script>alert(1)</script>', '']]);
  });
});

describe('createAnsiParser', () => {
  it('carries a colour from one chunk into the next', () => {
    const parser = createAnsiParser();
    expect(parser.feed('\x1b[33mwarn ')).toEqual([['warn ', 'ansi-fg-3']]);
    expect(parser.feed('still\x1b[0m plain')).toEqual([
      ['still', 'ansi-fg-3'],
      [' plain', ''],
    ]);
  });

  it('holds an escape cut by a chunk boundary until the rest arrives', () => {
    const parser = createAnsiParser();
    expect(parser.feed('a\x1b[3')).toEqual([['a', '']]);
    expect(parser.feed('1mb')).toEqual([['b', 'ansi-fg-1']]);
    expect(parser.feed('c\x1b')).toEqual([['c', 'ansi-fg-1']]);
    expect(parser.feed('[0md')).toEqual([['d', '']]);
  });

  it('drops an unfinished escape that grows past any real one', () => {
    const parser = createAnsiParser();
    expect(parser.feed(`\x1b]${'x'.repeat(300)}`)).toEqual([['x'.repeat(300), '']]);
  });
});
