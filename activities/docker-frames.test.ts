import { describe, expect, it } from 'vitest';
import { dockerFrame as frame } from '../test/support/docker-frame.js';
import { FrameText } from './docker-frames.js';

describe('FrameText', () => {
  it.each([
    {
      what: 'stdout and stderr merged in order',
      chunks: [frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')],
      text: 'a\nb\nc\n',
    },
    {
      what: 'frames split across chunks',
      chunks: (() => {
        const all = Buffer.concat([frame(1, 'hello '), frame(2, 'world')]);
        return [all.subarray(0, 3), all.subarray(3, 11), all.subarray(11)];
      })(),
      text: 'hello world',
    },
    { what: 'stdin frames (type 0) ignored', chunks: [frame(1, 'x'), frame(0, 'y'), frame(1, 'z')], text: 'xz' },
    {
      what: 'multi-byte character split by a frame',
      chunks: [frame(1, Buffer.from('é').subarray(0, 1)), frame(1, Buffer.from('é').subarray(1))],
      text: 'é',
    },
    {
      what: 'a character split between stdout frames survives a stderr frame in between',
      chunks: [frame(1, Buffer.from('€').subarray(0, 2)), frame(2, 'e'), frame(1, Buffer.from('€').subarray(2))],
      text: 'e€',
    },
    { what: 'a frame whose payload has not all arrived waits', chunks: [frame(1, 'whole').subarray(0, 10)], text: '' },
  ])('$what', ({ chunks, text }) => {
    const out = new FrameText();
    let got = '';
    for (const chunk of chunks) got += out.push(chunk);
    expect(got + out.end()).toBe(text);
  });

  it('lets the reader take bytes off stdout payloads and hand them back at the end', () => {
    const out = new FrameText();
    let held: Buffer = Buffer.alloc(0);
    const got = out.push(Buffer.concat([frame(1, 'head|'), frame(2, 'err '), frame(1, 'out')]), (payload) => {
      if (held.length > 0 || !payload.includes('|')) return payload;
      held = payload;
      return Buffer.alloc(0);
    });
    expect(got).toBe('err out');
    expect(out.end(held)).toBe('head|');
  });
});
