// A GitLab commit-status endpoint on loopback (POST /api/v4/projects/:id/statuses/:sha), with GitLab's
// status state machine: a POST updates the running or pending status of the same name and ref, or
// creates one; a transition the machine refuses (pending→pending, running→running) answers 400
// "Cannot transition status via :enqueue from :pending", as GitLab does.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, serveLoopback } from './loopback.js';

export type FakeGitLabState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';
/** One accepted POST; `id` is the GitLab status it created or moved. */
export interface FakeGitLabStatus {
  id: number;
  project: string;
  sha: string;
  status: FakeGitLabState;
  name: string;
  target_url: string | null;
  description: string | null;
}

export interface FakeGitLab {
  /** API root, like https://gitlab.example/api/v4. */
  url: string;
  token: string;
  statuses(project?: string, sha?: string): FakeGitLabStatus[];
  requests(): Array<{ method: string; path: string }>;
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

type Current = FakeGitLabState | 'created';
interface Job {
  id: number;
  project: string;
  sha: string;
  name: string;
  ref: string | null;
  status: Current;
  target_url: string | null;
  description: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

// Ci::HasStatus transitions used by the commit status API.
const EVENTS: Record<string, { to: FakeGitLabState; from: Current[] }> = {
  enqueue: { to: 'pending', from: ['created'] },
  run: { to: 'running', from: ['pending'] },
  success: { to: 'success', from: ['created', 'pending', 'running'] },
  drop: { to: 'failed', from: ['created', 'pending', 'running'] },
  cancel: { to: 'canceled', from: ['created', 'pending', 'running'] },
};
const EVENTS_FOR: Record<FakeGitLabState, string[]> = {
  pending: ['enqueue'],
  running: ['enqueue?', 'run'],
  success: ['success'],
  failed: ['drop'],
  canceled: ['cancel'],
};

/** `projects` lists the project paths that exist ("group/name"); without it every project exists. */
export async function startFakeGitLab(opts: { token?: string; projects?: string[] } = {}): Promise<FakeGitLab> {
  const token = opts.token ?? `glpat-${randomBytes(15).toString('base64url')}`;
  const projects = new Map<string, number>((opts.projects ?? []).map((p, i) => [p.toLowerCase(), i + 1]));
  const jobs: Job[] = [];
  const accepted: FakeGitLabStatus[] = [];
  const log: Array<{ method: string; path: string }> = [];
  const failures: number[] = [];
  let nextId = 1;
  let api = '';

  function project(id: string): string | undefined {
    if (/^\d+$/.test(id)) return [...projects].find(([, n]) => String(n) === id)?.[0];
    if (!projects.has(id.toLowerCase()) && opts.projects === undefined)
      projects.set(id.toLowerCase(), projects.size + 1);
    return projects.has(id.toLowerCase()) ? id.toLowerCase() : undefined;
  }

  function post(projectPath: string, sha: string, p: Record<string, unknown>): [number, unknown] {
    if (!/^[0-9a-f]{40}$/.test(sha)) return [404, { message: '404 Commit Not Found' }];
    const state = p.state;
    if (typeof state !== 'string' || !(state in EVENTS_FOR))
      return [400, { error: 'state does not have a valid value' }];
    const name = typeof p.name === 'string' ? p.name : typeof p.context === 'string' ? p.context : 'default';
    const ref = typeof p.ref === 'string' ? p.ref : null;
    const now = new Date().toISOString();
    let job = jobs.find(
      (j) =>
        j.project === projectPath &&
        j.sha === sha &&
        j.name === name &&
        j.ref === ref &&
        (j.status === 'pending' || j.status === 'running'),
    );
    if (!job) {
      job = {
        id: nextId++,
        project: projectPath,
        sha,
        name,
        ref,
        status: 'created',
        target_url: null,
        description: null,
        created_at: now,
        started_at: null,
        finished_at: null,
      };
      jobs.push(job);
    }
    for (const raw of EVENTS_FOR[state as FakeGitLabState]) {
      const event = raw.replace('?', '');
      const t = EVENTS[event]!;
      if (!t.from.includes(job.status)) {
        if (raw.endsWith('?')) continue; // `job.enqueue` without a bang: a refused transition is ignored
        if (job.status === 'created') jobs.splice(jobs.indexOf(job), 1);
        return [
          400,
          {
            message: `Cannot transition status via :${event} from :${job.status} (Reason(s): Status cannot transition via "${event}")`,
          },
        ];
      }
      job.status = t.to;
    }
    if (typeof p.target_url === 'string') job.target_url = p.target_url;
    if (typeof p.description === 'string') job.description = p.description;
    if (job.status === 'running') job.started_at ??= now;
    if (job.status !== 'pending' && job.status !== 'running') job.finished_at = now;
    accepted.push({
      id: job.id,
      project: projectPath,
      sha,
      status: job.status as FakeGitLabState,
      name,
      target_url: job.target_url,
      description: job.description,
    });
    return [
      201,
      {
        id: job.id,
        sha,
        ref: job.ref,
        status: job.status,
        name,
        target_url: job.target_url,
        description: job.description,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
        allow_failure: false,
        coverage: null,
        pipeline_id: 1,
        author: {
          id: 42,
          username: 'slipway-bot',
          name: 'Slipway',
          state: 'active',
          locked: false,
          avatar_url: null,
          web_url: `${api.replace(/\/api\/v4$/, '')}/slipway-bot`,
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
        'content-type': 'application/json',
        'x-request-id': randomBytes(13).toString('base64url'),
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (failures.length > 0) {
      const status = failures.shift()!;
      return send(status, { message: `${status} ${STATUS_CODES[status] ?? 'Error'}` });
    }
    const auth = req.headers['private-token'] ?? /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (auth !== token) return send(401, { message: '401 Unauthorized' });

    // The project id is a number or a URL-encoded path (group%2Fname): split before decoding.
    const seg = url.pathname
      .split('/')
      .filter((x) => x !== '')
      .map(decodeURIComponent);
    if (
      method !== 'POST' ||
      seg.length !== 6 ||
      seg[0] !== 'api' ||
      seg[1] !== 'v4' ||
      seg[2] !== 'projects' ||
      seg[4] !== 'statuses'
    ) {
      return send(404, { error: '404 Not Found' });
    }
    const projectPath = project(seg[3]!);
    if (!projectPath) return send(404, { message: '404 Project Not Found' });
    // Grape merges query, form and JSON parameters.
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    try {
      if (type.startsWith('application/json') && raw) Object.assign(params, JSON.parse(raw));
      else if (type.startsWith('application/x-www-form-urlencoded'))
        Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    } catch {
      return send(400, { error: "The provided content-type 'application/json' is not supported." });
    }
    const [status, body] = post(projectPath, seg[5]!, params);
    return send(status, body);
  }

  const server = await serveLoopback(handle);
  api = `${server.root}/api/v4`;

  return {
    url: api,
    token,
    statuses: (p, sha) =>
      accepted
        .filter((s) => (p === undefined || s.project === p.toLowerCase()) && (sha === undefined || s.sha === sha))
        .map((s) => ({ ...s })),
    requests: () => log.map((r) => ({ ...r })),
    failNext: (n, status = 502) => {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    close: () => server.close(),
  };
}
