import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate } from './format.js';

describe('formatDuration', () => {
  it('writes seconds, minutes, hours and days, rounded', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59.4)).toBe('59 s');
    expect(formatDuration(90)).toBe('2 min');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(3900)).toBe('1 h 5 min');
    expect(formatDuration(86400)).toBe('1 d');
    expect(formatDuration(179700)).toBe('2 d 1 h');
  });
});

describe('formatRate', () => {
  it('writes a whole percentage', () => {
    expect(formatRate(2 / 6)).toBe('33 %');
    expect(formatRate(1)).toBe('100 %');
    expect(formatRate(0)).toBe('0 %');
  });
});
