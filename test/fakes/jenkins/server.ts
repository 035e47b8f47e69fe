// HTTP surface of the fake: auth and crumbs (§1), routing of /job/A/job/B/… (§2), triggers (§3),
// queue (§4), builds (§5), console and stop (§6), restart pages (§9).
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Build, Job, JenkinsModel } from './model.js';
import { buildJson, buildUrl, folderJson, jobJson, PERMALINKS, queueItemJson, shallow } from './render.js';
import { applyTree, parseTree } from './tree.js';

export type CrumbMode = 'off' | 'required' | 'token-exempt';

const VERSION = '2.541.1';
const RESTART_PAGE =
  '<!DOCTYPE html><html><head><title>Starting Jenkins</title></head><body><div id="loading">' +
  '<h1>Please wait while Jenkins is getting ready to work...</h1>' +
  '<p>Your browser will reload automatically when Jenkins is ready.</p></div></body></html>\n';

interface Auth {
  user: string;
  kind: 'token' | 'password';
}
interface Req {
  raw: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  segments: string[];
  form: URLSearchParams;
  auth: Auth;
  base: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export class FakeJenkinsServer {
  crumbMode: CrumbMode = 'token-exempt';
  private restartingUntil = 0;
  private sessionHash = hex(4);
  private readonly sessions = new Set<string>();
  private readonly cookieName = `JSESSIONID.${hex(4)}`;
  private readonly crumbSalt = hex(16);

  constructor(
    private readonly cfg: { model: JenkinsModel; user: string; token: string; password?: string; root: () => string },
  ) {}

  restart(windowMs: number): void {
    this.restartingUntil = Date.now() + windowMs;
    this.sessions.clear();
    this.cfg.model.later(windowMs, () => {
      this.cfg.model.forgetLeftItems();
      this.sessionHash = hex(4);
    });
  }

  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(raw);
    res.setHeader('X-Jenkins', VERSION);
    res.setHeader('X-Jenkins-Session', this.sessionHash);
    res.setHeader('Server', 'Jetty(12.0.22)');
    if (Date.now() < this.restartingUntil) return send(res, 503, RESTART_PAGE, 'text/html;charset=utf-8');

    const url = new URL(raw.url ?? '/', 'http://fake.invalid');
    let segments: string[];
    try {
      segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
    } catch {
      return htmlError(res, 400, 'Bad Request', 'Invalid URI encoding');
    }
    const auth = this.authenticate(raw, res);
    if (!auth) return;

    const form = new URLSearchParams(url.search);
    if ((raw.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form.append(k, v);
    }
    const method = raw.method ?? 'GET';
    // The crumb filter runs before routing, so even a POST to a missing page answers 403 first.
    if (method === 'POST' && !this.crumbValid(raw, auth, form)) {
      return htmlError(res, 403, 'Forbidden', 'No valid crumb was included in the request');
    }
    const req: Req = { raw, res, method, url, segments, form, auth, base: `http://${raw.headers.host ?? '127.0.0.1'}` };
    return this.route(req);
  }

  private authenticate(raw: IncomingMessage, res: ServerResponse): Auth | null {
    const header = raw.headers.authorization;
    const m = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
    if (!m) {
      htmlError(res, 403, 'Forbidden', 'Authentication required', {
        'X-You-Are-Authenticated-As': 'anonymous',
        'X-Required-Permission': 'hudson.model.Hudson.Read',
      });
      return null;
    }
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (user === this.cfg.user && secret === this.cfg.token) return { user, kind: 'token' };
    if (user === this.cfg.user && this.cfg.password !== undefined && secret === this.cfg.password)
      return { user, kind: 'password' };
    htmlError(res, 401, 'Unauthorized', `Invalid password/token for user: ${user}`);
    return null;
  }

  private session(raw: IncomingMessage): string | null {
    for (const part of (raw.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=');
      if (name === this.cookieName && value && this.sessions.has(value)) return value;
    }
    return null;
  }

  // SECURITY-1491: the crumb hashes user and HTTP session, so it is worthless without the session cookie.
  private crumbFor(user: string, session: string): string {
    return createHmac('sha256', this.crumbSalt).update(`${user};${session}`).digest('hex');
  }

  private crumbValid(raw: IncomingMessage, auth: Auth, form: URLSearchParams): boolean {
    if (this.crumbMode === 'off') return true;
    if (this.crumbMode === 'token-exempt' && auth.kind === 'token') return true;
    const header = raw.headers['jenkins-crumb'];
    const crumb = (Array.isArray(header) ? header[0] : header) ?? form.get('Jenkins-Crumb');
    const session = this.session(raw);
    return !!crumb && !!session && crumb === this.crumbFor(auth.user, session);
  }

  private route(req: Req): void {
    const { segments: s, res, method } = req;
    const { model } = this.cfg;
    const path = s.join('/');
    if (path === '') return send(res, 200, '<html><body>Dashboard [Jenkins]</body></html>', 'text/html;charset=utf-8');
    if (path === 'api/json') return this.json(req, folderJson(this.cfg.root(), model, ''));
    if (path === 'crumbIssuer/api/json') return this.issueCrumb(req);
    if (path === 'queue/api/json') {
      const items = model.queued().map((i) => queueItemJson(this.cfg.root(), this.cfg.user, i));
      return this.json(req, { _class: 'hudson.model.Queue', discoverableItems: [], items });
    }
    if (path === 'queue/cancelItem') {
      if (method !== 'POST')
        return htmlError(res, 405, 'Method Not Allowed', 'This URL requires POST', { Allow: 'POST' });
      const id = Number(req.form.get('id'));
      if (!model.cancelItem(id))
        return htmlError(res, 404, 'Not Found', `Provided id (${req.form.get('id')}) not found`);
      return send(res, 204, '', null);
    }
    if (s[0] === 'queue' && s[1] === 'item' && s[2] && /^\d+$/.test(s[2])) {
      const item = model.item(Number(s[2]));
      if (!item) return htmlError(res, 404, 'Not Found', 'Not Found');
      const rest = s.slice(3).join('/');
      if (rest === '')
        return send(res, 200, `<html><body>Queue item ${item.id}</body></html>`, 'text/html;charset=utf-8');
      if (rest !== 'api/json') return htmlError(res, 404, 'Not Found', 'Not Found');
      const json = queueItemJson(this.cfg.root(), this.cfg.user, item);
      if (item.state === 'left' && item.build) item.hiddenPolls--;
      return this.json(req, json);
    }
    if (s[0] === 'job') return this.routeJob(req);
    return htmlError(res, 404, 'Not Found', 'Not Found');
  }

  private issueCrumb(req: Req): void {
    let session = this.session(req.raw);
    if (!session) {
      session = hex(12);
      this.sessions.add(session);
      req.res.setHeader('Set-Cookie', `${this.cookieName}=${session}; Path=/; HttpOnly`);
    }
    this.json(req, {
      _class: 'hudson.security.csrf.DefaultCrumbIssuer',
      crumb: this.crumbFor(req.auth.user, session),
      crumbRequestField: 'Jenkins-Crumb',
    });
  }

  private routeJob(req: Req): void {
    const { segments: s, res } = req;
    const names: string[] = [];
    let i = 0;
    while (s[i] === 'job' && s[i + 1] !== undefined) {
      names.push(s[i + 1]!);
      i += 2;
    }
    const target = this.cfg.model.lookup(names);
    if (!target) return htmlError(res, 404, 'Not Found', 'Not Found');
    const rest = s.slice(i);
    const sub = rest.join('/');
    if (target.kind === 'folder') {
      if (sub === '')
        return send(res, 200, `<html><body>Folder ${escapeHtml(target.path)}</body></html>`, 'text/html;charset=utf-8');
      if (sub === 'api/json') return this.json(req, folderJson(this.cfg.root(), this.cfg.model, target.path));
      return htmlError(res, 404, 'Not Found', 'Not Found');
    }
    const job = target.job;
    if (sub === '')
      return send(res, 200, `<html><body>Project ${escapeHtml(job.path)}</body></html>`, 'text/html;charset=utf-8');
    if (sub === 'api/json') return this.json(req, jobJson(this.cfg.root(), this.cfg.user, this.cfg.model, job));
    if (sub === 'buildWithParameters' || sub === 'build') return this.trigger(req, job, sub);
    const ref = rest[0]!;
    const build = /^\d+$/.test(ref)
      ? job.builds.find((b) => b.number === Number(ref))
      : PERMALINKS[ref] && [...job.builds].reverse().find(PERMALINKS[ref]);
    if (!build) return htmlError(res, 404, 'Not Found', 'Not Found');
    return this.routeBuild(req, build, rest.slice(1).join('/'));
  }

  private trigger(req: Req, job: Job, kind: 'build' | 'buildWithParameters'): void {
    const { res, form } = req;
    if (req.method !== 'POST')
      return htmlError(res, 405, 'Method Not Allowed', 'This URL requires POST', { Allow: 'POST' });
    if (kind === 'buildWithParameters') job.triggers++;
    const fullName = job.segments.join('/');
    if (job.opts.disabled) return htmlError(res, 409, 'Conflict', `${fullName} is not buildable`);
    const defs = job.opts.parameters;
    if (kind === 'buildWithParameters' && !defs)
      return htmlError(res, 400, 'Bad Request', `${fullName} is not parameterized`);
    if (kind === 'build' && defs) return htmlError(res, 400, 'Bad Request', 'This page expects a form submission');
    // SECURITY-170: only defined parameters are read; missing ones take their (empty) default.
    const params = Object.fromEntries((defs ?? []).map((d) => [d, form.get(d) ?? '']));
    const { item, merged } = this.cfg.model.schedule(job, params, parseDelay(form.get('delay')));
    if (job.dropNextTriggerResponse) {
      job.dropNextTriggerResponse = false;
      req.raw.socket.destroy();
      return;
    }
    // Location comes from the request's Host, not the configured root URL (§0).
    send(res, merged && kind === 'buildWithParameters' ? 303 : 201, '', null, {
      Location: `${req.base}/queue/item/${item.id}/`,
    });
  }

  private routeBuild(req: Req, build: Build, sub: string): void {
    const { res } = req;
    const text = 'text/plain;charset=UTF-8';
    switch (sub) {
      case '':
        return send(
          res,
          200,
          `<html><body>${escapeHtml(build.job.path)} #${build.number}</body></html>`,
          'text/html;charset=utf-8',
        );
      case 'api/json':
        return this.json(req, buildJson(this.cfg.root(), this.cfg.user, build));
      case 'console':
        return send(
          res,
          200,
          `<html><body><pre class="console-output">${escapeHtml(build.log)}</pre></body></html>`,
          'text/html;charset=utf-8',
        );
      case 'consoleText':
        return send(res, 200, build.log, text);
      case 'logText/progressiveText': {
        const bytes = Buffer.from(build.log, 'utf8');
        let start = Number(req.form.get('start') ?? 0);
        if (!Number.isInteger(start) || start < 0 || start > bytes.length) start = 0;
        const headers: Record<string, string> = { 'X-Text-Size': String(bytes.length) };
        if (build.building) headers['X-More-Data'] = 'true';
        return send(res, 200, bytes.subarray(start), text, headers);
      }
      case 'stop':
        if (req.method !== 'POST')
          return htmlError(res, 405, 'Method Not Allowed', 'This URL requires POST', { Allow: 'POST' });
        this.cfg.model.stop(build);
        return send(res, 302, '', null, {
          Location: `${req.base}${new URL(buildUrl(this.cfg.root(), build)).pathname}`,
        });
      default:
        return htmlError(res, 404, 'Not Found', 'Not Found');
    }
  }

  private json(req: Req, value: Record<string, unknown>): void {
    const { url, res } = req;
    const tree = url.searchParams.get('tree');
    let out: unknown;
    if (tree !== null) {
      try {
        out = applyTree(value, parseTree(tree));
      } catch (err) {
        // Jenkins answers a malformed tree with a stack-trace page, not JSON.
        return htmlError(res, 500, 'Server Error', (err as Error).message);
      }
    } else {
      out = Number(url.searchParams.get('depth') ?? 0) >= 1 ? value : shallow(value);
    }
    const pretty = url.searchParams.get('pretty') === 'true';
    send(res, 200, JSON.stringify(out, null, pretty ? 2 : undefined), 'application/json;charset=utf-8');
  }
}

// Jenkins' TimeDuration: "30sec", "2min", "500ms"; a bare number is milliseconds.
function parseDelay(v: string | null): number | null {
  const m = v ? /^(\d+)\s*(ms|millis|s|sec|secs|m|min|mins)?$/.exec(v.trim()) : null;
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return unit.startsWith('m') && unit !== 'ms' && unit !== 'millis' ? n * 60_000 : unit.startsWith('s') ? n * 1000 : n;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string | null,
  headers: Record<string, string> = {},
): void {
  if (contentType) res.setHeader('Content-Type', contentType);
  res.writeHead(status, headers);
  res.end(body);
}

function htmlError(
  res: ServerResponse,
  status: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body =
    `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n<title>Error ${status} ${reason}</title>\n</head>\n` +
    `<body><h2>HTTP ERROR ${status} ${escapeHtml(message)}</h2>\n<table>\n<tr><th>STATUS:</th><td>${status}</td></tr>\n` +
    `<tr><th>MESSAGE:</th><td>${escapeHtml(message)}</td></tr>\n</table>\n</body>\n</html>\n`;
  send(res, status, body, 'text/html;charset=utf-8', headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
