// Commit statuses on GitHub, GitLab and Gitea, and GitHub issues as a planning provider, as Temporal
// activities. Every HTTP call is tried once: retries belong to Temporal's retry policy, so Octokit's
// retry and throttling plugins are off. Errors: a 4xx the forge will repeat (bad token, unknown repo,
// invalid status) is non-retryable ForgeRejected; 5xx, network errors, timeouts and rate limits
// (429, and GitHub's 403 with x-ratelimit-remaining: 0) are plain errors, retried. Messages name the
// server, repository and commit, never the token.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Octokit, RequestError } from 'octokit';
import { ErrorType } from '../domain/errors.js';
import { logger } from '../infra/logger.js';

/** A forge answered a 4xx that retrying cannot fix. */
export const ForgeRejected = ErrorType.ForgeRejected;

export interface ForgeServer {
  vendor: 'github' | 'gitlab' | 'gitea';
  apiUrl: string /* https://api.github.com, https://gitlab.example/api/v4, https://gitea.example/api/v1 */;
  token?: string;
}
export interface ForgeDeps {
  servers: Record<string, ForgeServer>;
  requestTimeoutMs?: number; /* default 15000 */
}
export type CommitState = 'pending' | 'success' | 'failure' | 'error';
export interface CommitStatusInput {
  server: string;
  repo: string; // owner/name; GitLab: path_with_namespace or numeric project id
  sha: string;
  state: CommitState;
  targetUrl?: string;
  description?: string; // truncated to 140 characters (GitHub's limit)
  context: string;
}
export interface ForgeIssueInput {
  server: string;
  repo: string;
  number: number;
}
export interface ForgeIssue {
  number: number;
  title: string;
  state: 'open' | 'closed';
  url: string;
}

const DESCRIPTION_MAX = 140;
// GitLab has no error state; `running` shows the work under way (its `pending` means "waiting").
const GITLAB_STATE: Record<CommitState, string> = {
  pending: 'running',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};
// Gitea's states include ours by name (plus `warning`).
const VENDOR_NAME = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea' } as const;
// GitLab refuses pending→pending and running→running with this 400: the status is already in progress.
const GITLAB_ALREADY = /^Cannot transition status via :(enqueue|run) from :(pending|running)\b/;

interface Server extends ForgeServer {
  name: string;
  base: string;
}
/** What a call was about, for error messages. */
interface Subject {
  server: Server;
  repo: string;
  action: string;
}
interface Reply {
  status: number;
  data: unknown;
  headers: Record<string, string | undefined>;
}

export function createForgeActivities(deps: ForgeDeps) {
  const requestTimeoutMs = deps.requestTimeoutMs ?? 15_000;
  const octokits = new Map<string, Octokit>();

  function server(name: string): Server {
    const cfg = deps.servers[name];
    if (!cfg) throw ApplicationFailure.nonRetryable(`unknown forge server "${name}"`, ErrorType.BadConfig);
    let url: URL;
    try {
      url = new URL(cfg.apiUrl);
    } catch {
      throw ApplicationFailure.nonRetryable(`forge server "${name}" has an invalid apiUrl`, ErrorType.BadConfig);
    }
    if (url.username || url.password) {
      throw ApplicationFailure.nonRetryable(
        `forge server "${name}": put credentials in token, not in the apiUrl`,
        ErrorType.BadConfig,
      );
    }
    return { ...cfg, name, base: url.href.replace(/\/+$/, '') };
  }

  function octokit(srv: Server): Octokit {
    let client = octokits.get(srv.name);
    if (!client) {
      client = new Octokit({
        auth: srv.token,
        baseUrl: srv.base,
        userAgent: 'slipway',
        retry: { enabled: false },
        throttle: { enabled: false },
        request: { retries: 0 },
        log: {
          debug: () => {},
          info: () => {},
          warn: (m: string) => logger.warn({ forge: srv.name }, m),
          error: (m: string) => logger.error({ forge: srv.name }, m),
        },
      });
      octokits.set(srv.name, client);
    }
    return client;
  }

  const where = (s: Subject) => `${VENDOR_NAME[s.server.vendor]} "${s.server.name}" repo ${s.repo}: ${s.action}`;
  // Forges do not echo tokens; this is a second guard. Very short values would mangle ordinary words.
  const scrub = (s: Subject, text: string) =>
    s.server.token && s.server.token.length >= 8 ? text.split(s.server.token).join('[redacted]') : text;

  function failure(s: Subject, res: Reply): Error {
    const detail = apiMessage(res.data);
    const what = scrub(s, `${where(s)} answered HTTP ${res.status}${detail && res.status < 500 ? ` (${detail})` : ''}`);
    const rateLimited =
      res.status === 429 ||
      (res.status === 403 &&
        (res.headers['x-ratelimit-remaining'] === '0' ||
          res.headers['retry-after'] !== undefined ||
          /rate limit/i.test(detail ?? '')));
    if (res.status >= 500 || res.status === 408 || rateLimited) return new Error(what);
    return ApplicationFailure.nonRetryable(what, ForgeRejected);
  }

  function signal(): { signal: AbortSignal; cancel: AbortSignal } {
    const cancel = Context.current().cancellationSignal;
    return { cancel, signal: AbortSignal.any([cancel, AbortSignal.timeout(requestTimeoutMs)]) };
  }

  /** A transport failure (no HTTP answer): retryable, unless the activity was cancelled. */
  function transport(s: Subject, cancel: AbortSignal, err: unknown): Error {
    if (cancel.aborted) return cancel.reason as Error;
    // fetch (and Octokit around it) nest the reason: RequestError → TypeError "fetch failed" → { code: 'ECONNREFUSED' }.
    const chain: Array<{ name?: string; code?: unknown; message?: string }> = [];
    for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause)
      chain.push(e);
    const why = chain.some((e) => e.name === 'TimeoutError')
      ? `timed out after ${requestTimeoutMs} ms`
      : String(chain.find((e) => typeof e.code === 'string')?.code ?? chain.at(-1)?.message ?? err);
    return new Error(scrub(s, `${where(s)} failed: ${why}`));
  }

  /** Runs one Octokit request; HTTP errors come back as a Reply, transport errors are thrown. */
  async function github<T>(
    s: Subject,
    call: (client: Octokit, request: { signal: AbortSignal }) => Promise<{ data: T }>,
  ): Promise<{ ok: true; data: T } | ({ ok: false } & Reply)> {
    const { signal: sig, cancel } = signal();
    try {
      return { ok: true, data: (await call(octokit(s.server), { signal: sig })).data };
    } catch (err) {
      if (err instanceof RequestError && err.response) {
        return {
          ok: false,
          status: err.status,
          data: err.response.data,
          headers: err.response.headers as Reply['headers'],
        };
      }
      throw transport(s, cancel, err);
    }
  }

  async function post(s: Subject, url: string, headers: Record<string, string>, body: object): Promise<Reply> {
    const { signal: sig, cancel } = signal();
    try {
      const res = await fetch(url, {
        method: 'POST',
        signal: sig,
        redirect: 'error',
        headers: {
          ...headers,
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'User-Agent': 'slipway',
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, data, headers: Object.fromEntries(res.headers) };
    } catch (err) {
      throw transport(s, cancel, err);
    }
  }

  async function setStatus(srv: Server, input: CommitStatusInput): Promise<void> {
    const s: Subject = { server: srv, repo: input.repo, action: `commit status "${input.context}" on ${input.sha}` };
    const description = input.description === undefined ? undefined : truncate(input.description, DESCRIPTION_MAX);
    const token = srv.token ?? '';
    const sha = encodeURIComponent(input.sha);
    if (srv.vendor === 'github') {
      const { owner, name } = ownerName(srv, input.repo);
      const res = await github(s, (client, request) =>
        client.rest.repos.createCommitStatus({
          owner,
          repo: name,
          sha: input.sha,
          state: input.state,
          target_url: input.targetUrl,
          description,
          context: input.context,
          request,
        }),
      );
      if (!res.ok) throw failure(s, res);
    } else if (srv.vendor === 'gitlab') {
      const project = encodeURIComponent(input.repo.replace(/^\/+|\/+$/g, ''));
      const res = await post(
        s,
        `${srv.base}/projects/${project}/statuses/${sha}`,
        token ? { 'PRIVATE-TOKEN': token } : {},
        {
          state: GITLAB_STATE[input.state],
          name: input.context,
          target_url: input.targetUrl,
          description,
        },
      );
      if (res.status === 400 && GITLAB_ALREADY.test(apiMessage(res.data) ?? '')) {
        logger.debug(
          { forge: srv.name, repo: input.repo, sha: input.sha, context: input.context },
          'forge: GitLab status already in progress',
        );
      } else if (res.status !== 200 && res.status !== 201) {
        throw failure(s, res);
      }
    } else {
      const { owner, name } = ownerName(srv, input.repo);
      const res = await post(
        s,
        `${srv.base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${sha}`,
        token ? { Authorization: `token ${token}` } : {},
        { state: input.state, target_url: input.targetUrl, description, context: input.context },
      );
      if (res.status !== 200 && res.status !== 201) throw failure(s, res);
    }
    logger.debug(
      { forge: srv.name, repo: input.repo, sha: input.sha, context: input.context, state: input.state },
      'forge: commit status set',
    );
  }

  return {
    /** Idempotent: repeating a status adds a duplicate entry at worst (or is refused as done by GitLab). */
    async forgeSetCommitStatus(input: CommitStatusInput): Promise<void> {
      const srv = server(input.server);
      if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(input.sha)) {
        throw ApplicationFailure.nonRetryable(
          `forge "${srv.name}" repo ${input.repo}: "${input.sha}" is not a full commit SHA`,
          ErrorType.BadConfig,
        );
      }
      await setStatus(srv, input);
    },

    /** A GitHub issue (or pull request) by number; null if GitHub says 404 or 410 (missing, deleted or not visible). */
    async forgeIssue(input: ForgeIssueInput): Promise<ForgeIssue | null> {
      const srv = server(input.server);
      if (srv.vendor !== 'github') {
        throw ApplicationFailure.nonRetryable(
          `forge "${srv.name}" is ${VENDOR_NAME[srv.vendor]}: issues are read from GitHub only`,
          ErrorType.BadConfig,
        );
      }
      const { owner, name } = ownerName(srv, input.repo);
      const s: Subject = { server: srv, repo: input.repo, action: `issue #${input.number}` };
      const res = await github(s, (client, request) =>
        client.rest.issues.get({ owner, repo: name, issue_number: input.number, request }),
      );
      if (!res.ok) {
        if (res.status === 404 || res.status === 410) return null;
        throw failure(s, res);
      }
      const { number, title, state, html_url: url } = res.data;
      return { number, title, state: state === 'closed' ? 'closed' : 'open', url };
    },
  };
}

export type ForgeActivities = ReturnType<typeof createForgeActivities>;

function ownerName(srv: Server, repo: string): { owner: string; name: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(repo);
  if (!m)
    throw ApplicationFailure.nonRetryable(`forge "${srv.name}": repo "${repo}" is not owner/name`, ErrorType.BadConfig);
  return { owner: m[1]!, name: m[2]! };
}

/** The forge's own error text: GitHub/Gitea/GitLab `message`, Grape's `error`; bounded in length. */
function apiMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as { message?: unknown; error?: unknown; errors?: unknown };
  const text = typeof d.message === 'string' ? d.message : typeof d.error === 'string' ? d.error : undefined;
  if (text === undefined) return undefined;
  const errors = Array.isArray(d.errors)
    ? d.errors
        .map((e: { message?: unknown }) => (typeof e?.message === 'string' ? e.message : ''))
        .filter(Boolean)
        .join('; ')
    : '';
  return truncate(errors ? `${text}: ${errors}` : text, 300);
}

/** Cuts at a code point boundary, marking the cut with an ellipsis. */
function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
