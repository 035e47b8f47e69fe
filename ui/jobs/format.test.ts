import { describe, expect, it } from 'vitest';
import { elapsed, formatDuration } from './format.js';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [12_000, '12s'],
    [185_000, '3m 05s'],
    [3_720_000, '1h 02m'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says a running build’s time is so far, and nothing before it starts', () => {
    expect(elapsed(new Date(Date.now() - 5000), null)).toBe('5s so far');
    expect(elapsed(null, null)).toBe('');
  });
});
