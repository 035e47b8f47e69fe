import { z } from 'zod';
import { isFork, type PullRequestAction, type RepoRef, type VendorResult } from './forge-events.js';

// Gitea (and Forgejo) webhooks, keyed by X-Gitea-Event. Gitea reports a ref in two deliveries:
// a new tag comes as a push to refs/tags/* and as `create`; a deleted tag as a push and as
// `delete`; a new branch as a push and as `create`; a deleted branch only as `delete`. We take
// branches from `push` (+ `delete` for deletions) and tags from `create`/`delete`, so each change
// yields exactly one event. `create`'s sha is what the tag ref points to: for an annotated tag,
// the tag object (git resolves it to the commit).

const Repository = z.looseObject({ full_name: z.string(), clone_url: z.string(), html_url: z.string() });
const User = z.looseObject({ login: z.string() });
/** Where a pull request's head and base live: only compared, so an odd value just means "a fork". */
const RepoIdentity = z
  .looseObject({
    id: z.union([z.number(), z.string()]).nullish().catch(null),
    full_name: z.string().nullish().catch(null),
  })
  .transform((r) => ({ id: r.id, name: r.full_name }));
const Side = z.looseObject({
  repo_id: z.union([z.number(), z.string()]).nullish().catch(null),
  repo: RepoIdentity.nullish().catch(null),
});
/** Gitea gives both `repo_id` and `repo`; either decides, `repo_id` first. */
const identity = (side: z.infer<typeof Side>) => ({ id: side.repo_id ?? side.repo?.id, name: side.repo?.name });

const Push = z.looseObject({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  repository: Repository,
  pusher: User,
  head_commit: z.looseObject({ id: z.string(), message: z.string() }).nullish(),
});

/** `create` and `delete`: `ref` is the short name; `delete` carries no sha. */
const RefEvent = z.looseObject({
  ref: z.string(),
  ref_type: z.string(),
  sha: z.string().nullish(),
  repository: Repository,
  sender: User,
});

const PullRequest = z.looseObject({
  number: z.number().int(),
  repository: Repository,
  pull_request: z.looseObject({
    title: z.string(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    user: User,
    head: Side.extend({ ref: z.string(), sha: z.string() }),
    base: Side.extend({ ref: z.string() }),
  }),
});

const Action = z.looseObject({ action: z.string() });

/** `closed` splits on `merged`; edited, label_updated, assigned, … are ignored. */
const actions = new Map<string, PullRequestAction>([
  ['opened', 'opened'],
  ['synchronized', 'updated'],
  ['closed', 'closed'],
  ['reopened', 'reopened'],
]);

const repoRef = (r: z.infer<typeof Repository>): RepoRef => ({
  fullName: r.full_name,
  cloneUrl: r.clone_url,
  htmlUrl: r.html_url,
});

export function normalizeGitea(eventType: string, payload: unknown): VendorResult {
  switch (eventType) {
    case 'push':
      return push(payload);
    case 'create':
    case 'delete':
      return refEvent(eventType, payload);
    case 'pull_request':
    case 'pull_request_sync': // X-Gitea-Event-Type's name for a synchronized pull request
      return pullRequest(payload);
    default:
      return { ignored: `unsupported Gitea event "${eventType}"` };
  }
}

function push(payload: unknown): VendorResult {
  const parsed = Push.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const p = parsed.data;
  if (p.ref.startsWith('refs/tags/')) return { ignored: 'Gitea tag push: the create or delete event carries it' };
  return {
    changes: [
      {
        kind: 'ref',
        repo: repoRef(p.repository),
        ref: p.ref,
        before: p.before,
        after: p.after,
        commit: p.head_commit?.id,
        author: p.pusher.login,
        message: p.head_commit?.message ?? '',
      },
    ],
  };
}

function refEvent(eventType: 'create' | 'delete', payload: unknown): VendorResult {
  const parsed = RefEvent.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const p = parsed.data;
  if (p.ref_type === 'branch' && eventType === 'create')
    return { ignored: 'Gitea branch creation: the push event carries it' };
  if (p.ref_type !== 'branch' && p.ref_type !== 'tag')
    return { ignored: `unsupported ${eventType} ref_type "${p.ref_type}"` };
  if (eventType === 'create' && !p.sha) return { ignored: 'sha missing' };
  const prefix = p.ref_type === 'tag' ? 'refs/tags/' : 'refs/heads/';
  return {
    changes: [
      {
        kind: 'ref',
        repo: repoRef(p.repository),
        ref: p.ref.startsWith('refs/') ? p.ref : prefix + p.ref,
        before: null,
        after: eventType === 'create' ? (p.sha ?? null) : null, // null: deleted
        author: p.sender.login,
        message: '',
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
        fork: isFork(identity(pr.head), identity(pr.base)),
      },
    ],
  };
}
