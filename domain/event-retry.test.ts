import { describe, expect, it } from 'vitest';
import { EventsConfig } from './event-config.js';
import { afterFailure, backoffMs, retryTiming } from './event-retry.js';

const t = retryTiming({ initial: '10s', max: '1h', giveUpAfter: '24h' });

describe('delivery retries', () => {
  it('back off exponentially with jitter, capped at max', () => {
    expect([1, 2, 3].map((n) => backoffMs(n, t, () => 1))).toEqual([10_000, 20_000, 40_000]);
    expect(backoffMs(1, t, () => 0)).toBe(5_000);
    expect(backoffMs(30, t, () => 1)).toBe(3_600_000);
  });

  it('retry until giveUpAfter since the window opened, the last attempt at the deadline, then dead', () => {
    const from = 0;
    expect(afterFailure(1_000, from, 1, t, () => 1)).toEqual({ state: 'pending', nextAttemptAt: 11_000 });
    const nearEnd = 24 * 3_600_000 - 60_000;
    expect(afterFailure(nearEnd, from, 20, t, () => 1)).toEqual({ state: 'pending', nextAttemptAt: 24 * 3_600_000 });
    expect(afterFailure(24 * 3_600_000, from, 21, t)).toEqual({ state: 'dead' });
  });
});

describe('events configuration', () => {
  it('names the path of a bad entry', () => {
    const cases: Array<[unknown, string]> = [
      [{ subscribers: [{ name: 'a', url: 'ftp://x', secretEnv: 'K' }] }, 'subscribers.0.url'],
      [
        { subscribers: [{ name: 'a', url: 'http://x', secretEnv: 'K', events: ['deployment.exploded'] }] },
        'subscribers.0.events.0',
      ],
      [{ subscribers: [{ name: 'a', url: 'http://x' }] }, 'subscribers.0.secretEnv'],
      [{ subscribers: [{ name: 'elasticsearch', url: 'http://x', secretEnv: 'K' }] }, 'subscribers.0.name'],
      [
        {
          subscribers: [
            { name: 'a', url: 'http://x', secretEnv: 'K' },
            { name: 'a', url: 'http://y', secretEnv: 'K' },
          ],
        },
        'subscribers.1.name',
      ],
      [{ retry: { initial: 'soon' } }, 'retry.initial'],
      [{ elasticsearch: { url: 'http://es', index: 'Bad Index' } }, 'elasticsearch.index'],
    ];
    for (const [input, path] of cases) {
      const r = EventsConfig.safeParse(input);
      expect(r.success, path).toBe(false);
      expect(r.error!.issues[0]!.path.join('.'), path).toBe(path);
    }
  });
});
