// A Gitea (and Forgejo) commit-status endpoint on loopback: POST /api/v1/repos/{owner}/{repo}/statuses/{sha}.
// Gitea appends every status it is sent (the newest per context wins), so repeating one is harmless.
// Errors follow Gitea's APIError shape {message, url}.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, serveLoopback } from './loopback.js';

export type FakeGiteaState = 'pending' | 'success' | 'error' | 'failure' | 'warning';
export interface FakeGiteaStatus {
  id: number;
  repo: string;
  sha: string;
  state: FakeGiteaState;
  context: string;
  target_url: string;
  description: string;
}

export interface FakeGitea {
  /** API root, like https://gitea.example/api/v1. */
  url: string;
  token: string;
  statuses(repo?: string, sha?: string): FakeGiteaStatus[];
  requests(): Array<{ method: string; path: string }>;
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

const STATES: readonly string[] = ['pending', 'success', 'error', 'failure', 'warning'];

/** `repos` lists the repositories that exist ("owner/name"); without it every repository exists. */
export async function startFakeGitea(opts: { token?: string; repos?: string[] } = {}): Promise<FakeGitea> {
  // Gitea access tokens are 40 hex characters.
  const token = opts.token ?? randomBytes(20).toString('hex');
  const repos = opts.repos && new Set(opts.repos.map((r) => r.toLowerCase()));
  const recorded: FakeGiteaStatus[] = [];
  const log: Array<{ method: string; path: string }> = [];
  const failures: number[] = [];
  let nextId = 1;
  let root = '';

  function post(repo: string, sha: string, body: Record<string, unknown>): [number, unknown] {
    if (!/^[0-9a-f]{40}$/.test(sha))
      return [404, { message: "The target couldn't be found.", url: `${root}/api/swagger`, errors: [] }];
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    if (!STATES.includes(str(body.state)))
      return [
        422,
        { message: `[State]: invalid commit status state "${str(body.state)}"`, url: `${root}/api/swagger` },
      ];
    const s: FakeGiteaStatus = {
      id: nextId++,
      repo,
      sha,
      state: body.state as FakeGiteaState,
      context: str(body.context) || 'default',
      target_url: str(body.target_url),
      description: str(body.description),
    };
    recorded.push(s);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // Gitea names the state `status` in its answers.
    return [
      201,
      {
        id: s.id,
        status: s.state,
        target_url: s.target_url,
        description: s.description,
        url: `${root}/api/v1/repos/${repo}/statuses/${sha}`,
        context: s.context,
        created_at: now,
        updated_at: now,
        creator: {
          id: 7,
          login: 'slipway-bot',
          full_name: 'Slipway',
          email: 'slipway-bot@noreply.localhost',
          avatar_url: `${root}/avatars/7`,
          username: 'slipway-bot',
        },
      },
    ];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = (await readBody(req)).toString('utf8');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    log.push({ method, path: url.pathname });
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json;charset=utf-8',
        'x-content-type-options': 'nosniff',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (failures.length > 0) {
      const status = failures.shift()!;
      return send(status, { message: STATUS_CODES[status] ?? 'Error', url: `${root}/api/swagger` });
    }
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return send(401, { message: 'token is required', url: `${root}/api/swagger` });
    if (m[1] !== token)
      return send(401, { message: 'user does not exist [uid: 0, name: ]', url: `${root}/api/swagger` });

    const seg = url.pathname
      .split('/')
      .filter((x) => x !== '')
      .map(decodeURIComponent);
    if (
      method !== 'POST' ||
      seg.length !== 7 ||
      seg[0] !== 'api' ||
      seg[1] !== 'v1' ||
      seg[2] !== 'repos' ||
      seg[5] !== 'statuses'
    ) {
      return send(404, { message: "The target couldn't be found.", url: `${root}/api/swagger`, errors: [] });
    }
    const repo = `${seg[3]}/${seg[4]}`;
    if (repos && !repos.has(repo.toLowerCase()))
      return send(404, { message: "The target couldn't be found.", url: `${root}/api/swagger`, errors: [] });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return send(422, { message: 'invalid JSON body', url: `${root}/api/swagger` });
    }
    const [status, answer] = post(repo, seg[6]!, body);
    return send(status, answer);
  }

  const server = await serveLoopback(handle);
  root = server.root;

  return {
    url: `${root}/api/v1`,
    token,
    statuses: (repo, sha) =>
      recorded
        .filter(
          (s) =>
            (repo === undefined || s.repo.toLowerCase() === repo.toLowerCase()) && (sha === undefined || s.sha === sha),
        )
        .map((s) => ({ ...s })),
    requests: () => log.map((r) => ({ ...r })),
    failNext: (n, status = 502) => {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    close: () => server.close(),
  };
}
