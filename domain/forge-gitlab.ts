import { z } from 'zod';
import { isFork, type PullRequestAction, type RepoRef, type VendorResult } from './forge-events.js';

// GitLab webhooks, keyed by X-Gitlab-Event. Pushes and tag pushes share one payload shape:
// `checkout_sha` is the commit the ref now points at (null when the ref was deleted), and for an
// annotated tag `after` is the tag object, so checkout_sha is the commit we report.

const Project = z.looseObject({ path_with_namespace: z.string(), git_http_url: z.string(), web_url: z.string() });

const Push = z.looseObject({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  checkout_sha: z.string().nullish(),
  /** Older tag payloads carry only user_name. */
  user_username: z.string().nullish(),
  user_name: z.string(),
  project: Project,
  /** At most the newest 20 commits of the push. */
  commits: z.array(z.looseObject({ id: z.string(), message: z.string() })).nullish(),
});

const projectId = z.union([z.number(), z.string()]).nullish().catch(null);

const MergeRequest = z.looseObject({
  /** The user who acted; the hook names the author only by id. */
  user: z.looseObject({ username: z.string() }),
  project: Project,
  object_attributes: z.looseObject({
    iid: z.number().int(),
    title: z.string(),
    url: z.string(),
    source_branch: z.string(),
    target_branch: z.string(),
    last_commit: z.looseObject({ id: z.string() }),
    /** Differ for a merge request from a fork; only compared, so an odd value just means "a fork". */
    source_project_id: projectId,
    target_project_id: projectId,
  }),
});

const Action = z.looseObject({ object_attributes: z.looseObject({ action: z.string() }) });

/** approved, unapproved, approval and unapproval change no code and are ignored. */
const actions = new Map<string, PullRequestAction>([
  ['open', 'opened'],
  ['update', 'updated'],
  ['close', 'closed'],
  ['merge', 'merged'],
  ['reopen', 'reopened'],
]);

const repoRef = (p: z.infer<typeof Project>): RepoRef => ({
  fullName: p.path_with_namespace,
  cloneUrl: p.git_http_url,
  htmlUrl: p.web_url,
});

export function normalizeGitlab(eventType: string, payload: unknown): VendorResult {
  switch (eventType) {
    case 'Push Hook':
    case 'Tag Push Hook':
      return push(payload);
    case 'Merge Request Hook':
      return mergeRequest(payload);
    default:
      return { ignored: `unsupported GitLab event "${eventType}"` };
  }
}

function push(payload: unknown): VendorResult {
  const parsed = Push.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const p = parsed.data;
  const head = p.checkout_sha ?? undefined;
  return {
    changes: [
      {
        kind: 'ref',
        repo: repoRef(p.project),
        ref: p.ref,
        before: p.before,
        after: p.after,
        commit: head,
        author: p.user_username ?? p.user_name,
        message: p.commits?.find((c) => c.id === (head ?? p.after))?.message ?? '',
      },
    ],
  };
}

function mergeRequest(payload: unknown): VendorResult {
  const head = Action.safeParse(payload);
  if (!head.success) return { invalid: head.error };
  const action = head.data.object_attributes.action;
  const mapped = actions.get(action);
  if (!mapped) return { ignored: `unsupported merge request action "${action}"` };
  const parsed = MergeRequest.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const { user, project, object_attributes: mr } = parsed.data;
  return {
    changes: [
      {
        kind: 'pull_request',
        repo: repoRef(project),
        action: mapped,
        number: mr.iid,
        title: mr.title,
        branch: mr.source_branch,
        base: mr.target_branch,
        commit: mr.last_commit.id,
        author: user.username,
        url: mr.url,
        fork: isFork({ id: mr.source_project_id }, { id: mr.target_project_id }),
      },
    ],
  };
}
