// A GitHub REST API fake on loopback: repositories, commit statuses and issues, answered with
// api.github.com's shapes, headers (request id, rate limit) and errors (401 Bad credentials, 404 Not
// Found, 422 Validation Failed, 403 rate limit exceeded). Owner and repository names match
// case-insensitively, as on GitHub.
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, serveLoopback } from './loopback.js';

export type FakeGitHubState = 'pending' | 'success' | 'failure' | 'error';
export interface FakeGitHubStatus {
  sha: string;
  state: FakeGitHubState;
  context: string;
  target_url: string | null;
  description: string | null;
}
export interface FakeGitHubIssue {
  number: number;
  title: string;
  state?: 'open' | 'closed';
  labels?: string[];
  body?: string | null;
  pullRequest?: boolean;
}

export interface FakeGitHub {
  /** API root, the `baseUrl` of a client (like https://api.github.com). */
  url: string;
  token: string;
  /** Statuses created on the repository (on one commit if `sha` is given), oldest first. */
  statuses(owner: string, repo: string, sha?: string): FakeGitHubStatus[];
  /** Every request received, in order, whatever the answer. */
  requests(): Array<{ method: string; path: string }>;
  /** Creates or replaces an issue; creates the repository if needed. */
  setIssue(owner: string, repo: string, issue: FakeGitHubIssue): void;
  addRepo(owner: string, repo: string): void;
  /** Answer the next `n` requests with `status` (default 502) before any other check. */
  failNext(n: number, status?: number): void;
  /** Requests left in the token's hour; at 0, GitHub answers 403 "API rate limit exceeded". */
  setRateLimitRemaining(n: number): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const WEB = 'https://github.com';
const STATES: readonly string[] = ['pending', 'success', 'failure', 'error'];
const LIMIT = 5000;
const ANON_LIMIT = 60;

interface Repo {
  id: number;
  owner: string;
  name: string;
  issues: Map<number, FakeGitHubIssue>;
}
interface Status extends FakeGitHubStatus {
  id: number;
  created_at: string;
}

const user = (api: string) => ({
  login: 'slipway-bot',
  id: 4242,
  node_id: 'MDQ6VXNlcjQyNDI=',
  avatar_url: 'https://avatars.githubusercontent.com/u/4242?v=4',
  gravatar_id: '',
  url: `${api}/users/slipway-bot`,
  html_url: `${WEB}/slipway-bot`,
  type: 'User',
  site_admin: false,
});

/**
 * `repos` lists the repositories that exist ("owner/name"); without it every repository exists.
 * Unauthenticated GETs are allowed (60 an hour); writes need the token.
 */
export async function startFakeGitHub(opts: { token?: string; repos?: string[] } = {}): Promise<FakeGitHub> {
  const token = opts.token ?? `ghp_${randomBytes(18).toString('base64url')}`;
  const strict = opts.repos !== undefined;
  const repos = new Map<string, Repo>();
  const statuses: Array<Status & { repo: Repo }> = [];
  const log: Array<{ method: string; path: string }> = [];
  const failures: number[] = [];
  const remaining = { token: LIMIT, anon: ANON_LIMIT };
  const reset = Math.floor(Date.now() / 1000) + 3600;
  let nextId = 1;
  let api = '';

  const key = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();
  function addRepo(owner: string, name: string): Repo {
    const existing = repos.get(key(owner, name));
    if (existing) return existing;
    const repo: Repo = { id: 100_000 + nextId++, owner, name, issues: new Map() };
    repos.set(key(owner, name), repo);
    return repo;
  }
  for (const full of opts.repos ?? []) {
    const [owner, name] = full.split('/');
    if (!owner || !name) throw new Error(`fake GitHub: bad repository "${full}"`);
    addRepo(owner, name);
  }
  const findRepo = (owner: string, name: string) =>
    repos.get(key(owner, name)) ?? (strict ? undefined : addRepo(owner, name));

  const repoJson = (r: Repo) => ({
    id: r.id,
    node_id: Buffer.from(`010:Repository${r.id}`).toString('base64'),
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: false,
    owner: {
      ...user(api),
      login: r.owner,
      id: r.id + 1,
      url: `${api}/users/${r.owner}`,
      html_url: `${WEB}/${r.owner}`,
    },
    html_url: `${WEB}/${r.owner}/${r.name}`,
    description: null,
    fork: false,
    url: `${api}/repos/${r.owner}/${r.name}`,
    default_branch: 'main',
    visibility: 'public',
    archived: false,
    disabled: false,
  });
  const statusJson = (s: Status & { repo: Repo }) => ({
    url: `${api}/repos/${s.repo.owner}/${s.repo.name}/statuses/${s.sha}`,
    avatar_url: user(api).avatar_url,
    id: s.id,
    node_id: Buffer.from(`011:StatusContext${s.id}`).toString('base64'),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.created_at,
    updated_at: s.created_at,
    creator: user(api),
  });
  const issueJson = (r: Repo, i: FakeGitHubIssue) => {
    const html = `${WEB}/${r.owner}/${r.name}/${i.pullRequest ? 'pull' : 'issues'}/${i.number}`;
    const url = `${api}/repos/${r.owner}/${r.name}/issues/${i.number}`;
    const state = i.state ?? 'open';
    return {
      url,
      repository_url: `${api}/repos/${r.owner}/${r.name}`,
      html_url: html,
      id: r.id * 1000 + i.number,
      node_id: Buffer.from(`I_${r.id}_${i.number}`).toString('base64url'),
      number: i.number,
      title: i.title,
      user: user(api),
      labels: (i.labels ?? []).map((name, n) => ({
        id: n + 1,
        node_id: `LA_${n + 1}`,
        url: `${api}/repos/${r.owner}/${r.name}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'ededed',
        default: false,
        description: null,
      })),
      state,
      state_reason: state === 'closed' ? 'completed' : null,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: 0,
      created_at: '2024-01-02T03:04:05Z',
      updated_at: '2024-01-02T03:04:05Z',
      closed_at: state === 'closed' ? '2024-01-03T03:04:05Z' : null,
      author_association: 'MEMBER',
      body: i.body ?? null,
      ...(i.pullRequest
        ? {
            pull_request: {
              url: `${api}/repos/${r.owner}/${r.name}/pulls/${i.number}`,
              html_url: html,
              diff_url: `${html}.diff`,
              patch_url: `${html}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
  };

  type Answer = [number, unknown];
  const notFound = (doc = DOCS): Answer => [404, { message: 'Not Found', documentation_url: doc, status: '404' }];
  const invalid = (field: string, message: string): Answer => [
    422,
    {
      message: 'Validation Failed',
      errors: [{ resource: 'Status', code: 'custom', field, message }],
      documentation_url: `${DOCS}/commits/statuses#create-a-commit-status`,
      status: '422',
    },
  ];

  function createStatus(repo: Repo, sha: string, body: Record<string, unknown>): Answer {
    if (!/^[0-9a-f]{40}$/.test(sha))
      return [
        422,
        {
          message: `No commit found for SHA: ${sha}`,
          documentation_url: `${DOCS}/commits/statuses#create-a-commit-status`,
          status: '422',
        },
      ];
    const { state, target_url: targetUrl, description, context } = body;
    if (typeof state !== 'string' || !STATES.includes(state))
      return invalid('state', 'state is not included in the list');
    if (typeof description === 'string' && description.length > 140)
      return invalid('description', 'description is too long (maximum is 140 characters)');
    const s = {
      repo,
      id: 30_000_000_000 + nextId++,
      sha,
      state: state as FakeGitHubState,
      created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      context: typeof context === 'string' && context !== '' ? context : 'default',
      target_url: typeof targetUrl === 'string' && targetUrl !== '' ? targetUrl : null,
      description: typeof description === 'string' && description !== '' ? description : null,
    };
    statuses.push(s);
    return [201, statusJson(s)];
  }

  function route(method: string, url: URL, body: Record<string, unknown>, authed: boolean): Answer {
    const seg = url.pathname
      .split('/')
      .filter((x) => x !== '')
      .map(decodeURIComponent);
    if (seg[0] !== 'repos' || seg.length < 3) return notFound();
    const repo = findRepo(seg[1]!, seg[2]!);
    if (!repo) return notFound(`${DOCS}/repos/repos#get-a-repository`);
    const rest = seg.slice(3);
    if (method === 'GET' && rest.length === 0) return [200, repoJson(repo)];
    if (method === 'POST' && rest[0] === 'statuses' && rest.length === 2) {
      // Without push access GitHub hides the repository from writes.
      if (!authed) return notFound(`${DOCS}/commits/statuses#create-a-commit-status`);
      return createStatus(repo, rest[1]!, body);
    }
    if (method === 'GET' && rest[0] === 'commits' && rest[2] === 'statuses' && rest.length === 3) {
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30) || 30);
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      const mine = statuses.filter((s) => s.repo === repo && s.sha === rest[1]).reverse(); // newest first
      return [200, mine.slice((page - 1) * perPage, page * perPage).map(statusJson)];
    }
    if (method === 'GET' && rest[0] === 'issues' && rest.length === 2) {
      const issue = repo.issues.get(Number(rest[1]));
      return issue ? [200, issueJson(repo, issue)] : notFound(`${DOCS}/issues/issues#get-an-issue`);
    }
    return notFound();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    log.push({ method, path: url.pathname });
    const headers: Record<string, string> = {
      'x-github-request-id': [4, 4, 6, 6, 8]
        .map((n) =>
          randomBytes(n / 2)
            .toString('hex')
            .toUpperCase(),
        )
        .join(':'),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
    };
    const send = (status: number, body: unknown) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
      res.writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    if (failures.length > 0) {
      const status = failures.shift()!;
      return send(
        status,
        status === 500
          ? { message: 'Server Error' }
          : `<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>${status}</body></html>`,
      );
    }
    if (!req.headers['user-agent']) {
      return send(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).\n',
      );
    }
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (req.headers.authorization !== undefined && m?.[1] !== token)
      return send(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    const bucket = m ? 'token' : 'anon';
    const limit = m ? LIMIT : ANON_LIMIT;
    Object.assign(headers, {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    });
    if (remaining[bucket] <= 0) {
      Object.assign(headers, { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(limit) });
      return send(403, {
        message: `API rate limit exceeded for user ID 4242. If you reach out to GitHub Support for help, please include the request ID ${headers['x-github-request-id']}.`,
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        status: '403',
      });
    }
    remaining[bucket]--;
    Object.assign(headers, {
      'x-ratelimit-remaining': String(remaining[bucket]),
      'x-ratelimit-used': String(limit - remaining[bucket]),
    });

    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      }
    }
    const [status, answer] = route(method, url, body, m !== null);
    return send(status, answer);
  }

  const server = await serveLoopback(handle);
  api = server.root;

  return {
    url: api,
    token,
    statuses: (owner, name, sha) =>
      statuses
        .filter((s) => s.repo === repos.get(key(owner, name)) && (sha === undefined || s.sha === sha))
        .map(({ sha: c, state, context, target_url, description }) => ({
          sha: c,
          state,
          context,
          target_url,
          description,
        })),
    requests: () => log.map((r) => ({ ...r })),
    setIssue: (owner, name, issue) => void addRepo(owner, name).issues.set(issue.number, { ...issue }),
    addRepo: (owner, name) => void addRepo(owner, name),
    failNext: (n, status = 502) => {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    setRateLimitRemaining: (n) => {
      remaining.token = n;
    },
    close: () => server.close(),
  };
}
