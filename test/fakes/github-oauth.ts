// GitHub's OAuth web flow and the two REST reads a sign-in makes, on loopback, in GitHub's wire format:
// GET /login/oauth/authorize (here: the preselected user approves at once and is sent back to
// redirect_uri with code and state), POST /login/oauth/access_token (form or JSON body; answers JSON
// with `Accept: application/json`, form-encoded otherwise; failures as 200 with `error`, as GitHub
// does), GET /user and GET /user/teams (paginated with a Link header). Laid out like GitHub
// Enterprise: the web host at the root, the API under /api/v3.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, serveLoopback } from './loopback.js';

export interface FakeTeam {
  org: string;
  slug: string;
  name?: string;
}

export interface FakeGitHubOAuth {
  /** The web host (config `webUrl`). */
  webUrl: string;
  /** The REST API base (config `apiUrl`). */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  addUser(login: string, teams: FakeTeam[]): void;
  /** The user who approves the next authorize requests. */
  signInAs(login: string): void;
  /** Every request received, in order (method, path with query). */
  requests(): Array<{ method: string; path: string }>;
  /** Access tokens handed out so far (to check none leaks into a page, cookie or log). */
  issuedTokens(): string[];
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
const OAUTH_DOCS =
  'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

interface User {
  id: number;
  login: string;
  teams: FakeTeam[];
}

export async function startFakeGitHubOAuth(): Promise<FakeGitHubOAuth> {
  const clientId = `Iv1.${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(20).toString('hex');
  const users = new Map<string, User>();
  const codes = new Map<string, { login: string; redirectUri: string; expires: number }>();
  const tokens = new Map<string, string>();
  const log: Array<{ method: string; path: string }> = [];
  let current: string | null = null;
  let nextId = 1000;
  let root = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  function tokenAnswer(req: IncomingMessage, res: ServerResponse, body: Record<string, string>) {
    if ((req.headers.accept ?? '').includes('application/json')) return json(res, 200, body);
    res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    res.end(new URLSearchParams(body).toString());
  }

  async function accessToken(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const raw = (await readBody(req)).toString();
    const type = req.headers['content-type'] ?? '';
    const params: Record<string, string> = Object.fromEntries(query);
    if (type.includes('application/json') && raw) Object.assign(params, JSON.parse(raw) as Record<string, string>);
    else if (raw) Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    const fail = (error: string, description: string) =>
      tokenAnswer(req, res, { error, error_description: description, error_uri: `${OAUTH_DOCS}#${error}` });
    if (params.client_id !== clientId || params.client_secret !== clientSecret)
      return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    const grant = params.code ? codes.get(params.code) : undefined;
    if (!grant || grant.expires < Date.now())
      return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    if (params.redirect_uri !== undefined && params.redirect_uri !== grant.redirectUri)
      return fail(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
      );
    codes.delete(params.code!);
    const token = `gho_${randomBytes(18).toString('base64url')}`;
    tokens.set(token, grant.login);
    tokenAnswer(req, res, { access_token: token, token_type: 'bearer', scope: 'read:org' });
  }

  function authorize(res: ServerResponse, query: URLSearchParams) {
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== clientId || !redirectUri) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<h1>404</h1>');
      return;
    }
    if (!current || !users.has(current)) throw new Error('the test chose no user: call signInAs(login) first');
    const code = randomBytes(10).toString('hex');
    codes.set(code, { login: current, redirectUri, expires: Date.now() + 10 * 60_000 });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  function userOf(req: IncomingMessage): User | null {
    const header = req.headers.authorization ?? '';
    const token = /^(?:token|bearer) (.+)$/i.exec(header)?.[1];
    const login = token ? tokens.get(token) : undefined;
    return login ? users.get(login)! : null;
  }

  const account = (u: { id: number; login: string }, kind: 'User' | 'Organization') => ({
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`${kind}${u.id}`).toString('base64'),
    url: `${root}/api/v3/${kind === 'User' ? 'users' : 'orgs'}/${u.login}`,
    html_url: `${root}/${u.login}`,
    type: kind,
  });

  function teamsPage(res: ServerResponse, user: User, query: URLSearchParams) {
    const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(user.teams.length / perPage), 1);
    const slice = user.teams.slice((page - 1) * perPage, page * perPage);
    const orgIds = new Map<string, number>();
    const body = slice.map((t, i) => {
      const orgId = orgIds.get(t.org) ?? 500 + orgIds.size;
      orgIds.set(t.org, orgId);
      return {
        id: 9000 + (page - 1) * perPage + i,
        node_id: Buffer.from(`Team${t.org}/${t.slug}`).toString('base64'),
        url: `${root}/api/v3/orgs/${t.org}/teams/${t.slug}`,
        html_url: `${root}/orgs/${t.org}/teams/${t.slug}`,
        name: t.name ?? t.slug,
        slug: t.slug,
        description: null,
        privacy: 'closed',
        notification_setting: 'notifications_enabled',
        permission: 'pull',
        members_url: `${root}/api/v3/orgs/${t.org}/teams/${t.slug}/members{/member}`,
        repositories_url: `${root}/api/v3/orgs/${t.org}/teams/${t.slug}/repos`,
        parent: null,
        members_count: 1,
        repos_count: 0,
        organization: { ...account({ id: orgId, login: t.org }, 'Organization'), description: null },
      };
    });
    const link = (p: number, rel: string) => `<${root}/api/v3/user/teams?per_page=${perPage}&page=${p}>; rel="${rel}"`;
    const links = [
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
    ];
    json(res, 200, body, links.length ? { link: links.join(', ') } : {});
  }

  const server = await serveLoopback(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    log.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /login/oauth/authorize') return authorize(res, url.searchParams);
    if (route === 'POST /login/oauth/access_token') return accessToken(req, res, url.searchParams);
    if (url.pathname.startsWith('/api/v3/')) {
      const user = userOf(req);
      if (!user) return json(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      if (route === 'GET /api/v3/user')
        return json(res, 200, { ...account(user, 'User'), name: user.login, site_admin: false });
      if (route === 'GET /api/v3/user/teams') return teamsPage(res, user, url.searchParams);
    }
    json(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  });
  root = server.root;

  return {
    webUrl: root,
    apiUrl: `${root}/api/v3`,
    clientId,
    clientSecret,
    addUser: (login, teams) => void users.set(login, { id: nextId++, login, teams }),
    signInAs: (login) => {
      current = login;
    },
    requests: () => [...log],
    issuedTokens: () => [...tokens.keys()],
    close: () => server.close(),
  };
}
