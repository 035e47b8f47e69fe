import { z } from 'zod';
import { isFork, type PullRequestAction, type RepoRef, type VendorResult } from './forge-events.js';

// GitHub (and GitHub Enterprise) webhooks, keyed by X-GitHub-Event. A push to refs/tags/* is a tag
// event; `create`/`delete` are ignored because every branch or tag change also arrives as a push.
// Schemas name only the fields read; everything else passes through untouched.

const Repository = z.looseObject({ full_name: z.string(), clone_url: z.string(), html_url: z.string() });
/** Where a pull request's head and base live: only compared, so an odd value just means "a fork". */
const RepoIdentity = z
  .looseObject({
    id: z.union([z.number(), z.string()]).nullish().catch(null),
    full_name: z.string().nullish().catch(null),
  })
  .transform((r) => ({ id: r.id, name: r.full_name }));

const Push = z.looseObject({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  repository: Repository,
  pusher: z.looseObject({ name: z.string() }),
  /** null for a deletion; for an annotated tag its id is the tagged commit while `after` is the tag object. */
  head_commit: z.looseObject({ id: z.string(), message: z.string() }).nullish(),
});

const PullRequest = z.looseObject({
  number: z.number().int(),
  repository: Repository,
  pull_request: z.looseObject({
    title: z.string(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    user: z.looseObject({ login: z.string() }),
    /** head.repo is null once a fork is deleted. */
    head: z.looseObject({ ref: z.string(), sha: z.string(), repo: RepoIdentity.nullish().catch(null) }),
    base: z.looseObject({ ref: z.string(), repo: RepoIdentity.nullish().catch(null) }),
  }),
});

const Action = z.looseObject({ action: z.string() });

/** GitHub's actions → ours; `closed` splits on `merged`. Others (labeled, edited, …) are ignored. */
const actions = new Map<string, PullRequestAction>([
  ['opened', 'opened'],
  ['synchronize', 'updated'],
  ['closed', 'closed'],
  ['reopened', 'reopened'],
]);

const repoRef = (r: z.infer<typeof Repository>): RepoRef => ({
  fullName: r.full_name,
  cloneUrl: r.clone_url,
  htmlUrl: r.html_url,
});

export function normalizeGithub(eventType: string, payload: unknown): VendorResult {
  switch (eventType) {
    case 'push':
      return push(payload);
    case 'pull_request':
      return pullRequest(payload);
    case 'ping':
      return { ignored: 'ping' };
    case 'create':
    case 'delete':
      return { ignored: `${eventType}: the push event for the same ref carries it` };
    default:
      return { ignored: `unsupported GitHub event "${eventType}"` };
  }
}

function push(payload: unknown): VendorResult {
  const parsed = Push.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const p = parsed.data;
  return {
    changes: [
      {
        kind: 'ref',
        repo: repoRef(p.repository),
        ref: p.ref,
        before: p.before,
        after: p.after,
        commit: p.head_commit?.id,
        author: p.pusher.name,
        message: p.head_commit?.message ?? '',
      },
    ],
  };
}

function pullRequest(payload: unknown): VendorResult {
  const head = Action.safeParse(payload);
  if (!head.success) return { invalid: head.error };
  const mapped = actions.get(head.data.action);
  if (!mapped) return { ignored: `unsupported pull_request action "${head.data.action}"` };
  const parsed = PullRequest.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const { number, repository, pull_request: pr } = parsed.data;
  return {
    changes: [
      {
        kind: 'pull_request',
        repo: repoRef(repository),
        action: mapped === 'closed' && pr.merged ? 'merged' : mapped,
        number,
        title: pr.title,
        branch: pr.head.ref,
        base: pr.base.ref,
        commit: pr.head.sha,
        author: pr.user.login,
        url: pr.html_url,
        fork: isFork(pr.head.repo, pr.base.repo),
      },
    ],
  };
}
