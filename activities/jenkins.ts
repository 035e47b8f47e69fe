// Jenkins remote API client as Temporal activities. Wire behaviour follows
// docs/jenkins-remote-api.md; section numbers below refer to it.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import {
  jenkinsAnswer,
  jenkinsServer,
  unanswered,
  type JenkinsServer,
  type JenkinsServerConfig,
} from '../infra/jenkins.js';
import { logger } from '../infra/logger.js';

export interface JenkinsDeps {
  servers: Record<string, JenkinsServerConfig>;
  pollIntervalMs?: number /* default 2000 */;
  requestTimeoutMs?: number; /* default 15000 */
}
export interface JenkinsJobRef {
  server: string;
  job: string; /* 'folder/sub/job' */
}
export interface JenkinsTriggerInput extends JenkinsJobRef {
  parameters: Record<string, string>;
  correlation: { name: string; value: string };
}
export interface JenkinsBuildRef extends JenkinsJobRef {
  buildNumber: number;
}
export type JenkinsResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';
export interface JenkinsTriggered {
  buildNumber: number;
  queueId: number | null;
  buildUrl: string;
  consoleUrl: string;
  adopted: boolean; /* true if an existing build/queue item with our correlation value was found instead of triggering */
}
export interface JenkinsBuildStatus {
  buildNumber: number;
  building: boolean;
  result: JenkinsResult | null;
  buildUrl: string;
  consoleUrl: string;
  durationMs: number;
}

const RESULTS: ReadonlySet<string> = new Set<JenkinsResult>(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']);
const BUILDS_TREE = 'builds[number,queueId,result,building,actions[parameters[name,value]]]{0,50}';
const QUEUE_TREE = 'items[id,params,task[url]]';
const BUILD_TREE = 'number,building,result,duration';
const PARAMS_TREE = 'actions[parameters[name,value]]';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}
interface Crumb {
  field: string;
  value: string;
  cookie: string;
}
interface RequestOpts {
  form?: URLSearchParams;
  crumb?: Crumb;
}
/** What a failed call was about, for error messages: never carries credentials. */
interface Subject {
  server: JenkinsServer;
  action: string;
  job?: string;
}

type BuildsJson = {
  builds?: Array<{
    number: number;
    actions?: Array<{ _class?: string; parameters?: Array<{ name: string; value?: unknown }> }>;
  }>;
};
type QueueJson = { items?: Array<{ id: number; params?: string; task?: { url?: string } }> };
type QueueItemJson = { cancelled?: boolean; executable?: { number?: number } | null };
type BuildParamsJson = NonNullable<BuildsJson['builds']>[number];
type BuildJson = { number: number; building: boolean; result: string | null; duration: number };

export function createJenkinsActivities(deps: JenkinsDeps) {
  const pollIntervalMs = deps.pollIntervalMs ?? 2000;
  const requestTimeoutMs = deps.requestTimeoutMs ?? 15000;

  /** A server that cannot be used is a configuration error: retrying cannot help. */
  function server(name: string): JenkinsServer {
    try {
      return jenkinsServer(name, deps.servers);
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, ErrorType.BadConfig);
    }
  }

  const where = (s: Subject) => (s.job ? `Jenkins "${s.server.name}" job "${s.job}"` : `Jenkins "${s.server.name}"`);

  async function request(s: Subject, method: 'GET' | 'POST', path: string, opts: RequestOpts = {}): Promise<Reply> {
    const cancel = Context.current().cancellationSignal;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (s.server.authorization) headers.Authorization = s.server.authorization;
    if (opts.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (opts.crumb) {
      headers[opts.crumb.field] = opts.crumb.value;
      if (opts.crumb.cookie) headers.Cookie = opts.crumb.cookie;
    }
    try {
      const res = await fetch(`${s.server.base}/${path}`, {
        method,
        headers,
        body: opts.form?.toString(),
        redirect: 'manual',
        signal: AbortSignal.any([cancel, AbortSignal.timeout(requestTimeoutMs)]),
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (err) {
      if (cancel.aborted) throw cancel.reason;
      throw new Error(
        `${where(s)}: ${s.action} (${method} /${path.split('?')[0]}) failed: ${unanswered(err, requestTimeoutMs)}`,
      );
    }
  }

  /** 4xx are final; 5xx, 408/429 and restart pages are left to Temporal's retry policy. */
  function failure(s: Subject, res: Reply): Error {
    const { hint, retryable } = jenkinsAnswer(res.status, res.text);
    const message = `${where(s)}: ${s.action} answered HTTP ${res.status}${hint}`;
    return retryable ? new Error(message) : ApplicationFailure.nonRetryable(message, ErrorType.JenkinsRejected);
  }

  async function getJson<T>(s: Subject, path: string): Promise<T> {
    const res = await request(s, 'GET', path);
    if (res.status !== 200) throw failure(s, res);
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new Error(`${where(s)}: ${s.action} did not answer JSON`);
    }
  }

  // §1: API tokens skip the crumb check; password/session auth gets a 403 and needs crumb + session cookie.
  async function post(s: Subject, path: string, form?: URLSearchParams): Promise<Reply> {
    const res = await request(s, 'POST', path, { form });
    if (res.status !== 403 || !/No valid crumb/i.test(res.text)) return res;
    const crumbSubject = { ...s, action: 'crumb request' };
    const crumbRes = await request(crumbSubject, 'GET', 'crumbIssuer/api/json');
    if (crumbRes.status !== 200) throw failure(crumbSubject, crumbRes);
    const body = JSON.parse(crumbRes.text) as { crumb: string; crumbRequestField: string };
    const cookie = crumbRes.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    logger.debug({ server: s.server.name }, 'jenkins: retrying POST with a CSRF crumb');
    return request(s, 'POST', path, { form, crumb: { field: body.crumbRequestField, value: body.crumb, cookie } });
  }

  function jobPath(job: string): string {
    const segments = job.split('/').filter((x) => x !== '');
    if (segments.length === 0) throw ApplicationFailure.nonRetryable('empty Jenkins job name', ErrorType.BadConfig);
    return segments.map((x) => `job/${encodeURIComponent(x)}`).join('/');
  }

  const tree = (t: string) => new URLSearchParams({ tree: t }).toString();
  const urls = (srv: JenkinsServer, job: string, n: number) => {
    const buildUrl = `${srv.base}/${jobPath(job)}/${n}/`;
    return { buildUrl, consoleUrl: `${buildUrl}console` };
  };

  /** §7.3: the correlation parameter survives merges, restarts and lost responses; newest match wins. */
  async function findBuild(srv: JenkinsServer, input: JenkinsTriggerInput): Promise<number | null> {
    const s = { server: srv, job: input.job, action: 'build search' };
    const body = await getJson<BuildsJson>(s, `${jobPath(input.job)}/api/json?${tree(BUILDS_TREE)}`);
    const { name, value } = input.correlation;
    const hit = (body.builds ?? []).find((b) =>
      (b.actions ?? []).some(
        (a) =>
          a._class === 'hudson.model.ParametersAction' &&
          (a.parameters ?? []).some((p) => p.name === name && String(p.value) === value),
      ),
    );
    return hit ? hit.number : null;
  }

  async function findQueued(srv: JenkinsServer, input: JenkinsTriggerInput): Promise<number | null> {
    const s = { server: srv, job: input.job, action: 'queue search' };
    const body = await getJson<QueueJson>(s, `queue/api/json?${tree(QUEUE_TREE)}`);
    const wanted = input.job
      .split('/')
      .filter((x) => x !== '')
      .flatMap((x) => ['job', x]);
    const line = `${input.correlation.name}=${input.correlation.value}`;
    const hit = (body.items ?? []).find((item) => {
      // Compare decoded path tails only: task.url carries Jenkins' configured host, which may not be ours (§0).
      const segs = item.task?.url ? safePathSegments(item.task.url) : [];
      const tail = segs.slice(-wanted.length);
      return (
        tail.length === wanted.length &&
        tail.every((x, i) => x === wanted[i]) &&
        (item.params ?? '').split('\n').includes(line)
      );
    });
    return hit ? hit.id : null;
  }

  /** Queue first: an item leaving between the two looks then shows up in the builds list. */
  async function findExisting(
    srv: JenkinsServer,
    input: JenkinsTriggerInput,
  ): Promise<{ queueId: number } | { buildNumber: number } | null> {
    const queueId = await findQueued(srv, input);
    if (queueId !== null) return { queueId };
    const buildNumber = await findBuild(srv, input);
    return buildNumber !== null ? { buildNumber } : null;
  }

  /** §7.2: poll the item until it names its build; `executable: null` on a fresh LeftItem is normal. */
  async function awaitQueueItem(
    srv: JenkinsServer,
    input: JenkinsTriggerInput,
    queueId: number,
  ): Promise<{ queueId: number; buildNumber: number }> {
    const ctx = Context.current();
    for (;;) {
      ctx.heartbeat({ queueId });
      const s = { server: srv, job: input.job, action: `queue item ${queueId} lookup` };
      const res = await request(s, 'GET', `queue/item/${queueId}/api/json`);
      if (res.status === 404) {
        // Expired from the LeftItem cache, or forgotten by a restart (§4).
        const buildNumber = await findBuild(srv, input);
        if (buildNumber !== null) return { queueId, buildNumber };
        const requeued = await findQueued(srv, input);
        if (requeued === null) {
          // Forget the id so that the next attempt searches afresh (and triggers if still nothing).
          ctx.heartbeat({ queueId: null });
          throw new Error(
            `${where(s)}: queue item ${queueId} is gone and no build or queue item has ${input.correlation.name}=${input.correlation.value}`,
          );
        }
        queueId = requeued;
      } else if (res.status !== 200) {
        throw failure(s, res);
      } else {
        const item = JSON.parse(res.text) as QueueItemJson;
        if (item.cancelled) {
          throw ApplicationFailure.nonRetryable(
            `${where(s)}: queue item ${queueId} was cancelled before it started`,
            ErrorType.JenkinsQueueCancelled,
          );
        }
        const n = item.executable?.number;
        if (typeof n === 'number') return { queueId, buildNumber: n };
      }
      await ctx.sleep(pollIntervalMs);
    }
  }

  async function trigger(
    srv: JenkinsServer,
    input: JenkinsTriggerInput,
  ): Promise<{ queueId: number | null; buildNumber: number | null; adopted: boolean }> {
    const s = { server: srv, job: input.job, action: 'trigger' };
    const form = new URLSearchParams({ ...input.parameters, [input.correlation.name]: input.correlation.value });
    const res = await post(s, `${jobPath(input.job)}/buildWithParameters`, form);
    if (res.status !== 201 && res.status !== 302 && res.status !== 303) throw failure(s, res);
    const location = res.headers.get('location');
    const m = location ? /\/queue\/item\/(\d+)\/?$/.exec(safePath(location, srv.base)) : null;
    if (m) {
      // 303: merged into a queued item with equal parameters; with our fresh correlation value it is ours.
      return { queueId: Number(m[1]), buildNumber: null, adopted: res.status === 303 };
    }
    // 302 to the job page: a queue decision handler refused it, unless an earlier attempt of ours exists.
    const existing = await findExisting(srv, input);
    if (existing)
      return 'queueId' in existing
        ? { ...existing, buildNumber: null, adopted: true }
        : { ...existing, queueId: null, adopted: true };
    throw ApplicationFailure.nonRetryable(
      `${where(s)}: trigger was refused (HTTP ${res.status} without a queue item)`,
      ErrorType.JenkinsRejected,
    );
  }

  async function buildStatus(input: JenkinsBuildRef): Promise<JenkinsBuildStatus> {
    const srv = server(input.server);
    const s = { server: srv, job: input.job, action: `build #${input.buildNumber} lookup` };
    const b = await getJson<BuildJson>(s, `${jobPath(input.job)}/${input.buildNumber}/api/json?${tree(BUILD_TREE)}`);
    // Jenkins has no RUNNING result: null while building (§5).
    const result = b.result !== null && RESULTS.has(b.result) ? (b.result as JenkinsResult) : null;
    return {
      buildNumber: input.buildNumber,
      building: b.building,
      result,
      durationMs: b.duration ?? 0,
      ...urls(srv, input.job, input.buildNumber),
    };
  }

  return {
    async jenkinsTrigger(input: JenkinsTriggerInput): Promise<JenkinsTriggered> {
      const srv = server(input.server);
      const ctx = Context.current();
      const details = ctx.info.heartbeatDetails as { queueId?: unknown } | undefined;
      let queueId: number | null = typeof details?.queueId === 'number' ? details.queueId : null;
      let buildNumber: number | null = null;
      // A resumed attempt adopts the item its predecessor created.
      let adopted = queueId !== null;

      if (queueId === null) {
        const existing = await findExisting(srv, input);
        if (existing && 'buildNumber' in existing) buildNumber = existing.buildNumber;
        else if (existing) queueId = existing.queueId;
        adopted = existing !== null;
        if (!existing) {
          const t = await trigger(srv, input);
          ({ queueId, adopted } = t);
          buildNumber = t.buildNumber;
        }
      }
      if (buildNumber === null && queueId !== null)
        ({ queueId, buildNumber } = await awaitQueueItem(srv, input, queueId));
      if (buildNumber === null)
        throw new Error(`${where({ server: srv, job: input.job, action: '' })}: no build number found`);

      logger.info({ server: input.server, job: input.job, queueId, buildNumber, adopted }, 'jenkins: build started');
      return { buildNumber, queueId, adopted, ...urls(srv, input.job, buildNumber) };
    },

    async jenkinsAwaitBuild(input: JenkinsBuildRef): Promise<JenkinsBuildStatus> {
      const ctx = Context.current();
      // Cancellation only ends this wait (request aborts, sleep rejects): the Jenkins build keeps running.
      for (;;) {
        const status = await buildStatus(input);
        ctx.heartbeat({ buildNumber: input.buildNumber, building: status.building });
        if (!status.building && status.result !== null) return status;
        await ctx.sleep(pollIntervalMs);
      }
    },

    jenkinsBuildStatus: buildStatus,

    /** The parameters a build ran with, as Jenkins recorded them (a promotion gate checks its version). */
    async jenkinsBuildParameters(input: JenkinsBuildRef): Promise<Record<string, string>> {
      const srv = server(input.server);
      const s = { server: srv, job: input.job, action: `build #${input.buildNumber} parameters lookup` };
      const b = await getJson<BuildParamsJson>(
        s,
        `${jobPath(input.job)}/${input.buildNumber}/api/json?${tree(PARAMS_TREE)}`,
      );
      const action = (b.actions ?? []).find((a) => a._class === 'hudson.model.ParametersAction');
      return Object.fromEntries(
        (action?.parameters ?? []).map((p) => [p.name, p.value == null ? '' : String(p.value)]),
      );
    },

    async jenkinsStop(input: JenkinsBuildRef): Promise<void> {
      const status = await buildStatus(input);
      if (!status.building) return;
      const srv = server(input.server);
      const s = { server: srv, job: input.job, action: `stop of build #${input.buildNumber}` };
      const res = await post(s, `${jobPath(input.job)}/${input.buildNumber}/stop`);
      if (res.status >= 400 || (res.status >= 300 && res.status !== 302 && res.status !== 303)) throw failure(s, res);
      logger.info(
        { server: input.server, job: input.job, buildNumber: input.buildNumber },
        'jenkins: build stop requested',
      );
    },
  };
}

export type JenkinsActivities = ReturnType<typeof createJenkinsActivities>;

function safePath(location: string, base: string): string {
  try {
    return new URL(location, base).pathname;
  } catch {
    return '';
  }
}

function safePathSegments(url: string): string[] {
  try {
    return new URL(url).pathname
      .split('/')
      .filter((x) => x !== '')
      .map(decodeURIComponent);
  } catch {
    return [];
  }
}
