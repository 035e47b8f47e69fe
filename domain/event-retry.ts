import { parseDuration } from './duration.js';

// When a failed delivery is tried again: exponential backoff from `initial`, capped at `max`, with
// jitter (half the delay fixed, half random) so that a recovering subscriber is not hit by every
// worker at once; and dead-lettered once `giveUpAfter` has passed since its retry window opened
// (the event's time, or a redelivery request). The last attempt is made at the deadline itself.

export interface RetryTiming {
  initialMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

export function retryTiming(policy: { initial: string; max: string; giveUpAfter: string }): RetryTiming {
  return {
    initialMs: parseDuration(policy.initial)!,
    maxMs: parseDuration(policy.max)!,
    giveUpAfterMs: parseDuration(policy.giveUpAfter)!,
  };
}

export function backoffMs(attempts: number, t: RetryTiming, random: () => number = Math.random): number {
  const exp = Math.min(t.maxMs, t.initialMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** After the `attempts`-th failed attempt at `now`: dead, or pending until the returned time. */
export function afterFailure(
  now: number,
  retryFrom: number,
  attempts: number,
  t: RetryTiming,
  random: () => number = Math.random,
): { state: 'dead' } | { state: 'pending'; nextAttemptAt: number } {
  const deadline = retryFrom + t.giveUpAfterMs;
  if (now >= deadline) return { state: 'dead' };
  return { state: 'pending', nextAttemptAt: Math.min(now + backoffMs(attempts, t, random), deadline) };
}
