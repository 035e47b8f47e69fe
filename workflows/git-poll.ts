import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { GitPollActivities } from '../activities/git-poll.js';
import { ErrorType } from '../domain/errors.js';
import type { ForgeEvent } from '../domain/forge-events.js';
import { executeForgeEvent, forgeEventWorkflowId, type ForgeEventInput } from './forge-event.messages.js';
import type { GitPollInput } from './git-poll.messages.js';

const git = proxyActivities<GitPollActivities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [ErrorType.BadConfig] },
});

/**
 * One poll of a plain git repository, started by its Temporal schedule. The first poll only
 * records the heads; later ones turn each moved or new branch into a push event, handled like a
 * webhook delivery whose id is (branch, commit), so a repeated poll never builds twice.
 */
export async function gitPoll(input: GitPollInput): Promise<{ changed: string[] }> {
  const heads = await git.gitBranchHeads({ url: input.url });
  const seen = await git.storedBranchHeads({ repo: input.repo });
  const changed: string[] = [];
  if (seen) {
    const repo = { fullName: input.repo, cloneUrl: input.url, htmlUrl: input.url };
    const events: ForgeEvent[] = [
      ...Object.entries(heads)
        .filter(([b, sha]) => seen[b] !== sha)
        .map(([branch, commit]): ForgeEvent => ({
          kind: 'push',
          vendor: 'git',
          repo,
          branch,
          commit,
          before: seen[branch] ?? null,
          author: '',
          message: '',
          deleted: false,
        })),
      ...Object.keys(seen)
        .filter((b) => !(b in heads))
        .map((branch): ForgeEvent => ({
          kind: 'push',
          vendor: 'git',
          repo,
          branch,
          commit: seen[branch]!,
          before: seen[branch]!,
          author: '',
          message: '',
          deleted: true,
        })),
    ];
    for (const event of events) {
      if (event.kind !== 'push') continue;
      const deliveryId = `${event.branch}-${event.deleted ? 'deleted' : event.commit}`.replace(/[^A-Za-z0-9._-]/g, '_');
      const args: ForgeEventInput = {
        forge: 'git',
        deliveryId,
        eventType: 'poll',
        events: [event],
        rule: input.rule,
        publicUrl: null,
        statuses: false,
        heartbeatMs: input.heartbeatMs,
      };
      try {
        await executeForgeEvent(
          forgeEventWorkflowId(
            input.scope ?? workflowInfo().taskQueue,
            `git-${input.repo.replace(/[^A-Za-z0-9._-]/g, '_')}`,
            deliveryId,
          ),
          args,
        );
      } catch (err) {
        // Already handled by an earlier poll (same branch and commit): nothing to do.
        if (!(
          err instanceof Error &&
          /already started|AlreadyStarted/i.test(err.message + String((err as { cause?: unknown }).cause))
        ))
          throw err;
      }
      changed.push(event.branch);
    }
  }
  await git.storeBranchHeads({ repo: input.repo, heads });
  return { changed };
}
