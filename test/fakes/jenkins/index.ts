// A loopback Jenkins that speaks the remote API of docs/jenkins-remote-api.md, so that the
// Jenkins client is tested over real HTTP against the quirks it must survive (merges, LeftItem
// executable:null, queue 404s, crumbs and sessions, restarts, lost trigger responses).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JenkinsModel, type FakeJobOptions, type FakeResult, type NotifyPhase } from './model.js';
import { Notifier } from './notifier.js';
import { FakeJenkinsServer, type CrumbMode } from './server.js';

export type { CrumbMode, FakeJobOptions, FakeResult, NotifyPhase };

export interface FakeJenkins {
  /** e.g. http://127.0.0.1:PORT (no trailing slash); also the "configured root URL" of JSON `url` fields. */
  url: string;
  /** Valid basic-auth credentials (API token). */
  user: string;
  token: string;
  /** Path with folders, e.g. 'release/deploy-svc'; folders are created implicitly. Redefining keeps builds. */
  defineJob(path: string, opts?: FakeJobOptions): void;
  /** The job's builds, oldest first. */
  builds(path: string): Array<{
    number: number;
    queueId: number;
    params: Record<string, string>;
    result: string | null;
    building: boolean;
  }>;
  /** buildWithParameters POSTs that passed authentication and the crumb check, whatever the answer. */
  triggers(path: string): number;
  /** 503 "Jenkins is getting ready to work" for windowMs, then left queue items are forgotten; builds keep numbers. */
  restart(windowMs: number): void;
  setCrumbMode(mode: CrumbMode): void;
  /** Accept the next trigger (the queue item exists) but destroy the socket without answering. */
  dropNextTriggerResponse(path: string): void;
  close(): Promise<void>;
}

export async function startFakeJenkins(
  opts: { user?: string; token?: string; password?: string; queueItemTtlMs?: number } = {},
): Promise<FakeJenkins> {
  const user = opts.user ?? 'deploy-bot';
  // Jenkins API tokens are 34 hex characters starting with "11".
  const token = opts.token ?? `11${randomBytes(16).toString('hex')}`;
  let root = '';
  const model: JenkinsModel = new JenkinsModel({
    user,
    queueItemTtlMs: opts.queueItemTtlMs ?? 300_000,
    onPhase: (build, phase) => notifier.emit(build, phase),
  });
  const notifier = new Notifier(() => root, model);
  const server = new FakeJenkinsServer({ model, user, token, password: opts.password, root: () => root });

  const http = createServer((req, res) => {
    server.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  root = `${url}/`;

  return {
    url,
    user,
    token,
    defineJob: (path, jobOpts = {}) => void model.defineJob(path, jobOpts),
    builds: (path) =>
      model.job(path).builds.map((b) => ({
        number: b.number,
        queueId: b.queueId,
        params: { ...b.params },
        result: b.result,
        building: b.building,
      })),
    triggers: (path) => model.job(path).triggers,
    restart: (windowMs) => server.restart(windowMs),
    setCrumbMode: (mode) => {
      server.crumbMode = mode;
    },
    dropNextTriggerResponse: (path) => {
      model.job(path).dropNextTriggerResponse = true;
    },
    close: async () => {
      model.dispose();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
