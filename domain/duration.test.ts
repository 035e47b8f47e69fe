import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    { text: '250ms', ms: 250 },
    { text: '90s', ms: 90_000 },
    { text: '15m', ms: 900_000 },
    { text: '2h', ms: 7_200_000 },
    { text: '7d', ms: 604_800_000 },
    { text: '1.5h', ms: 5_400_000 },
    { text: '0.5s', ms: 500 },
    { text: '1.0005s', ms: 1_001 },
    { text: '0s', ms: 0 },
    { text: '2 h', ms: 7_200_000 },
    { text: ' 15m ', ms: 900_000 },
    { text: '1000ms', ms: 1_000 },
  ])('"$text" is $ms ms', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '2 hours',
    '',
    ' ',
    'h',
    '2',
    '-1h',
    '+1h',
    '2H',
    '1w',
    '1y',
    '1.h',
    '.5h',
    '2hh',
    '1e3s',
    '1h30m',
    '1,5h',
    'ms',
    '2 m s',
    'PT2H',
  ])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
