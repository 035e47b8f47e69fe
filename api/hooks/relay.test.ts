import { expect, it } from 'vitest';
import { describeError, retryDelayMs } from './relay.js';

it('backs off exponentially from the base and stops growing at the cap', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, 1_000, 60_000))).toEqual([
    1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
  ]);
  expect(retryDelayMs(10_000, 1_000, 60_000)).toBe(60_000);
  expect(retryDelayMs(0, 1_000, 60_000)).toBe(1_000);
});

it('describes an error with its causes, which say why a start failed', () => {
  const err = new Error('Failed to start Workflow', { cause: new Error('14 UNAVAILABLE: connection refused') });
  expect(describeError(err)).toBe('Error: Failed to start Workflow <- Error: 14 UNAVAILABLE: connection refused');
  expect(describeError('plain')).toBe('plain');
});
