import type { RepositoryConfig } from './config.js';
import type { ForgeEvent, PullRequestEvent } from './forge-events.js';

// What a forge event does to a repository's jobs, as in the Redis-CI seed: a pull request or a
// branch gets its own copy of the linked job (team/ci → team/ci/pr-25, team/ci/branch-main),
// with its own build numbers and history; a closed PR or a deleted branch retires its copy.

export type JobAction =
  | {
      action: 'build';
      parent: string;
      copy: string;
      ref: string;
      commit: string;
      supersede: boolean;
      /** What the copy is for, as the forge names it: the pull request's title or the branch. */
      label: string;
      /** false: the build gets no secret parameters and registers no artifact (pullRequestTrusted). */
      trusted: boolean;
    }
  | { action: 'retire'; copy: string };

/** A branch name as one job path segment: "feature/ABC-1 login" → "feature-ABC-1-login". */
export function branchSegment(branch: string): string {
  return (
    branch
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 80) || 'branch'
  );
}

/** Branch globs: `*` stays within one path segment, `**` crosses them. */
export function matchesGlob(glob: string, text: string): boolean {
  const pattern = glob
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${pattern}$`).test(text);
}

/**
 * A pull request's code is anyone's who can open one: only a head branch in the repository itself
 * (so written by someone with push rights) is trusted, and only where the rule says so. An event
 * that does not say (`fork` absent, from a delivery accepted before forks were told apart) is not.
 * A branch push needs push rights, so its builds are trusted.
 */
export function pullRequestTrusted(
  rule: NonNullable<RepositoryConfig['pullRequests']>,
  event: Pick<PullRequestEvent, 'fork'>,
): boolean {
  return rule.trustSameRepository && event.fork === false;
}

export function jobAction(rule: RepositoryConfig, event: ForgeEvent): JobAction | null {
  if (event.kind === 'pull_request' && rule.pullRequests) {
    const copy = `${rule.pullRequests.job}/pr-${event.number}`;
    if (event.action === 'closed' || event.action === 'merged') return { action: 'retire', copy };
    return {
      action: 'build',
      parent: rule.pullRequests.job,
      copy,
      ref: event.commit,
      commit: event.commit,
      supersede: rule.pullRequests.supersede,
      label: event.title,
      trusted: pullRequestTrusted(rule.pullRequests, event),
    };
  }
  if (event.kind === 'push' && rule.branches) {
    const only = rule.branches.only;
    if (only && !only.some((g) => matchesGlob(g, event.branch))) return null;
    const copy = `${rule.branches.job}/branch-${branchSegment(event.branch)}`;
    if (event.deleted) return { action: 'retire', copy };
    return {
      action: 'build',
      parent: rule.branches.job,
      copy,
      ref: event.commit,
      commit: event.commit,
      supersede: false,
      label: event.branch,
      trusted: true,
    };
  }
  return null;
}
