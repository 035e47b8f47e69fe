import type { z } from 'zod';
import { normalizeBitbucket } from './forge-bitbucket.js';
import { normalizeGitea } from './forge-gitea.js';
import { normalizeGithub } from './forge-github.js';
import { normalizeGitlab } from './forge-gitlab.js';

// One internal shape for every forge's webhooks. The vendor files only read their payloads;
// what a ref change means (branch or tag, created, deleted, which commit) is decided here,
// once, so the four vendors cannot drift apart on it.

export type ForgeVendor = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

export interface RepoRef {
  /** owner/name; GitLab: path_with_namespace (may hold subgroups); Bitbucket: workspace/slug. */
  fullName: string;
  cloneUrl: string;
  htmlUrl: string;
}

export interface PushEvent {
  kind: 'push';
  /** 'git': a plain git repository that Slipway polls (no webhooks, no statuses). */
  vendor: ForgeVendor | 'git';
  repo: RepoRef;
  branch: string;
  /** The branch's new head; for a deletion, the head it had ('' when the forge does not say). */
  commit: string;
  /** The previous head; null for a new branch or when the forge does not say. */
  before: string | null;
  /** Who pushed. */
  author: string;
  /** The head commit's message; '' for a deletion or when the payload omits it. */
  message: string;
  deleted: boolean;
}

export interface TagEvent {
  kind: 'tag';
  vendor: ForgeVendor;
  repo: RepoRef;
  tag: string;
  /** The tagged commit where the forge gives it, else what the tag ref points to; for a deletion, what it pointed to ('' if unknown). */
  commit: string;
  author: string;
  deleted: boolean;
}

export type PullRequestAction =
  | 'opened'
  | 'updated' //  new commits on the head branch (GitLab and Bitbucket also send this for title or label edits)
  | 'closed' //   closed without merging
  | 'merged'
  | 'reopened';

export interface PullRequestEvent {
  kind: 'pull_request';
  vendor: ForgeVendor;
  repo: RepoRef;
  action: PullRequestAction;
  number: number;
  title: string;
  /** The head (source) branch. */
  branch: string;
  /** The base (target) branch. */
  base: string;
  /** The head commit (Bitbucket sends it abbreviated to 12 characters). */
  commit: string;
  /** The pull request's author; GitLab names only the user who acted. */
  author: string;
  url: string;
  /**
   * The head branch lives in another repository than the base (a fork), or the payload does not say
   * where it lives (a deleted fork): its code is untrusted, whatever the repository rule says.
   */
  fork: boolean;
}

export type ForgeEvent = PushEvent | TagEvent | PullRequestEvent;

export type Normalized = { ok: true; event: ForgeEvent } | { ok: false; ignored: string };
export type NormalizedAll = { ok: true; events: [ForgeEvent, ...ForgeEvent[]] } | { ok: false; ignored: string };

/** A branch or tag moving, as a vendor reports it. `before`/`after`: null or all zeros means absent. */
export interface RefChange {
  kind: 'ref';
  repo: RepoRef;
  /** Full ref name: refs/heads/… or refs/tags/…; anything else is ignored. */
  ref: string;
  before: string | null;
  after: string | null;
  /** The commit `after` peels to, when the payload says (annotated tags point at a tag object). */
  commit?: string | undefined;
  author: string;
  message: string;
}

export type VendorChange = RefChange | Omit<PullRequestEvent, 'vendor'>;

/** What a vendor normalizer hands back; a schema failure is worded by the dispatcher. */
export type VendorResult = { changes: VendorChange[] } | { ignored: string } | { invalid: z.ZodError };

const normalizers: Record<ForgeVendor, (eventType: string, payload: unknown) => VendorResult> = {
  github: normalizeGithub,
  gitlab: normalizeGitlab,
  gitea: normalizeGitea,
  bitbucket: normalizeBitbucket,
};

/** Every event in one delivery (a Bitbucket push can move several refs), in the payload's order. */
export function normalizeForgeEvents(vendor: ForgeVendor, eventType: string, payload: unknown): NormalizedAll {
  if (!Object.hasOwn(normalizers, vendor)) return { ok: false, ignored: `unknown forge "${String(vendor)}"` };
  const result = normalizers[vendor](eventType.trim(), payload);
  if ('ignored' in result) return { ok: false, ignored: result.ignored };
  if ('invalid' in result) return { ok: false, ignored: describeInvalid(result.invalid, payload) };
  const events: ForgeEvent[] = [];
  const skipped: string[] = [];
  for (const change of result.changes) {
    const event = change.kind === 'ref' ? refEvent(vendor, change) : { ...change, vendor };
    if (typeof event === 'string') skipped.push(event);
    else events.push(event);
  }
  const [first, ...rest] = events;
  if (first) return { ok: true, events: [first, ...rest] };
  return { ok: false, ignored: skipped[0] ?? 'the delivery carries no branch, tag or pull request change' };
}

/** The delivery's first event: for a multi-ref Bitbucket push, its first change. */
export function normalizeForgeEvent(vendor: ForgeVendor, eventType: string, payload: unknown): Normalized {
  const all = normalizeForgeEvents(vendor, eventType, payload);
  return all.ok ? { ok: true, event: all.events[0] } : all;
}

/** A repository as a payload identifies it: an id where the forge gives one, else its full name. */
export interface RepoIdentity {
  id?: string | number | null | undefined;
  name?: string | null | undefined;
}

/**
 * Whether a pull request's head is in another repository than its base: ids decide where both are
 * given (a renamed repository keeps its id), else full names. Anything unknown counts as a fork, so
 * a payload that omits the head repository never earns trust.
 */
export function isFork(head: RepoIdentity | null | undefined, base: RepoIdentity | null | undefined): boolean {
  const known = (v: string | number | null | undefined): string | null =>
    v === undefined || v === null || v === '' ? null : String(v);
  const [headId, baseId] = [known(head?.id), known(base?.id)];
  if (headId !== null && baseId !== null) return headId !== baseId;
  const [headName, baseName] = [known(head?.name), known(base?.name)];
  if (headName !== null && baseName !== null) return headName.toLowerCase() !== baseName.toLowerCase();
  return true;
}

const present = (sha: string | null): sha is string => sha !== null && sha !== '' && !/^0+$/.test(sha);

function refEvent(vendor: ForgeVendor, change: RefChange): ForgeEvent | string {
  const before = present(change.before) ? change.before : null;
  const after = present(change.after) ? change.after : null;
  const deleted = after === null;
  const commit = deleted ? (before ?? '') : change.commit || after;
  const { repo, author } = change;
  if (change.ref.startsWith('refs/tags/')) {
    return { kind: 'tag', vendor, repo, tag: change.ref.slice('refs/tags/'.length), commit, author, deleted };
  }
  if (change.ref.startsWith('refs/heads/')) {
    const branch = change.ref.slice('refs/heads/'.length);
    return {
      kind: 'push',
      vendor,
      repo,
      branch,
      commit,
      before,
      author,
      message: deleted ? '' : change.message,
      deleted,
    };
  }
  return `ref ${change.ref} is neither a branch nor a tag`;
}

/** "pull_request.head.sha missing" for an absent (or null) field, "number invalid (…)" for a wrong one. */
function describeInvalid(error: z.ZodError, payload: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'payload invalid';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'payload';
  let value: unknown = payload;
  for (const key of issue.path)
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value === undefined || value === null ? `${path} missing` : `${path} invalid (${issue.message})`;
}

export { featureKeys } from './feature-keys.js';
