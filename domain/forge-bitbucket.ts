import { z } from 'zod';
import { isFork, type PullRequestAction, type RefChange, type RepoRef, type VendorResult } from './forge-events.js';

// Bitbucket Cloud webhooks, keyed by X-Event-Key. One repo:push lists every ref it moved in
// push.changes[], each with `new` (null: deleted) and `old` (null: created) of type branch or tag.
// The payload has no clone URL: it is the repository's html link + ".git". Pull request payloads
// carry commit hashes abbreviated to 12 characters.

const Link = z.looseObject({ href: z.string() });
const Repository = z.looseObject({ full_name: z.string(), links: z.looseObject({ html: Link }) });
/** nickname is absent for some accounts; display_name is always there. */
/** Where a pull request's source and destination live: only compared, so an odd value just means "a fork". */
const RepoIdentity = z
  .looseObject({ uuid: z.string().nullish().catch(null), full_name: z.string().nullish().catch(null) })
  .transform((r) => ({ id: r.uuid, name: r.full_name }));
const User = z.looseObject({ nickname: z.string().nullish(), display_name: z.string() });

const RefState = z.looseObject({
  type: z.string(),
  name: z.string(),
  target: z.looseObject({ hash: z.string(), message: z.string().nullish() }),
});

const Push = z.looseObject({
  actor: User,
  repository: Repository,
  push: z.looseObject({ changes: z.array(z.looseObject({ new: RefState.nullish(), old: RefState.nullish() })) }),
});

const PullRequest = z.looseObject({
  repository: Repository,
  pullrequest: z.looseObject({
    id: z.number().int(),
    title: z.string(),
    author: User,
    source: z.looseObject({
      branch: z.looseObject({ name: z.string() }),
      commit: z.looseObject({ hash: z.string() }),
      repository: RepoIdentity.nullish().catch(null),
    }),
    destination: z.looseObject({
      branch: z.looseObject({ name: z.string() }),
      repository: RepoIdentity.nullish().catch(null),
    }),
    links: z.looseObject({ html: Link }),
  }),
});

/** Bitbucket has no reopen: a declined pull request stays declined. */
const actions = new Map<string, PullRequestAction>([
  ['pullrequest:created', 'opened'],
  ['pullrequest:updated', 'updated'],
  ['pullrequest:fulfilled', 'merged'],
  ['pullrequest:rejected', 'closed'],
]);

const prefixes = new Map([
  ['branch', 'refs/heads/'],
  ['tag', 'refs/tags/'],
]);

const repoRef = (r: z.infer<typeof Repository>): RepoRef => ({
  fullName: r.full_name,
  cloneUrl: `${r.links.html.href.replace(/\/+$/, '')}.git`,
  htmlUrl: r.links.html.href,
});

const userName = (u: z.infer<typeof User>): string => u.nickname || u.display_name;

export function normalizeBitbucket(eventType: string, payload: unknown): VendorResult {
  if (eventType === 'repo:push') return push(payload);
  const action = actions.get(eventType);
  if (action) return pullRequest(action, payload);
  return { ignored: `unsupported Bitbucket event "${eventType}"` };
}

function push(payload: unknown): VendorResult {
  const parsed = Push.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const {
    actor,
    repository,
    push: { changes },
  } = parsed.data;
  const repo = repoRef(repository);
  const refs: RefChange[] = [];
  for (const change of changes) {
    const state = change.new ?? change.old;
    const prefix = state && prefixes.get(state.type);
    if (!state || !prefix) continue; // Mercurial-era named_branch/bookmark, or nothing at all
    refs.push({
      kind: 'ref',
      repo,
      ref: prefix + state.name,
      before: change.old?.target.hash ?? null,
      after: change.new?.target.hash ?? null,
      author: userName(actor),
      message: change.new?.target.message ?? '',
    });
  }
  return refs.length > 0 ? { changes: refs } : { ignored: 'push.changes has no branch or tag change' };
}

function pullRequest(action: PullRequestAction, payload: unknown): VendorResult {
  const parsed = PullRequest.safeParse(payload);
  if (!parsed.success) return { invalid: parsed.error };
  const { repository, pullrequest: pr } = parsed.data;
  return {
    changes: [
      {
        kind: 'pull_request',
        repo: repoRef(repository),
        action,
        number: pr.id,
        title: pr.title,
        branch: pr.source.branch.name,
        base: pr.destination.branch.name,
        commit: pr.source.commit.hash,
        author: userName(pr.author),
        url: pr.links.html.href,
        fork: isFork(pr.source.repository, pr.destination.repository),
      },
    ],
  };
}
