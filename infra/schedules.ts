import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { SlipwayConfig } from '../domain/config.js';
import { parseDuration } from '../domain/duration.js';
import { logger } from './logger.js';
import { gitPollScheduleAction, gitPollScheduleId } from '../workflows/git-poll.messages.js';

// Temporal schedules that configuration asks for: one per polled plain git repository. Created
// when missing, updated when the interval or rule changed; safe to run from every worker at start.

export async function ensureSchedules(
  client: Client,
  config: SlipwayConfig,
  taskQueue: string,
  heartbeatMs?: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (const [repo, rule] of Object.entries(config.repositories)) {
    if (!rule.poll) continue;
    const scheduleId = gitPollScheduleId(taskQueue, repo);
    const spec = { intervals: [{ every: parseDuration(rule.poll.every)! }] };
    const action = gitPollScheduleAction({ repo, url: rule.poll.url, rule, heartbeatMs, scope: taskQueue }, taskQueue);
    try {
      await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1m' } });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    }
    logger.info({ repo, every: rule.poll.every }, 'git polling scheduled');
    ids.push(scheduleId);
  }
  return ids;
}
