// The notification plugin's HTTP/JSON emitter (§8): QUEUED+STARTED at start, then COMPLETED, then FINALIZED.
import type { Build, JenkinsModel, NotifyPhase } from './model.js';
import { buildUrl, jobUrl } from './render.js';

const SEND_TIMEOUT_MS = 5_000;

export class Notifier {
  // One chain per build so that a delayed or slow delivery never reorders that build's events.
  private readonly chains = new Map<Build, Promise<void>>();

  constructor(
    private readonly root: () => string,
    private readonly model: JenkinsModel,
  ) {}

  emit(build: Build, phase: NotifyPhase): void {
    const endpoint = build.job.opts.notify;
    if (!endpoint) return;
    if (endpoint.events && !endpoint.events.includes(phase)) return;
    const body = JSON.stringify(this.payload(build, phase));
    const copies = endpoint.duplicate ? 2 : 1;
    const prev = this.chains.get(build) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (let i = 0; i < copies; i++) {
        if (endpoint.delayMs) await new Promise<void>((r) => this.model.later(endpoint.delayMs!, r));
        if (!endpoint.drop) await send(endpoint.url, body);
      }
    });
    this.chains.set(build, next);
  }

  // Gson field order of the plugin's JobState/BuildState; null fields are omitted.
  private payload(build: Build, phase: NotifyPhase) {
    const root = this.root();
    const job = build.job;
    const name = job.segments.at(-1)!;
    const relJob = jobUrl('', job.segments);
    return {
      name,
      display_name: name,
      url: relJob,
      build: {
        full_url: buildUrl(root, build),
        number: build.number,
        queue_id: build.queueId,
        timestamp: phase === 'QUEUED' ? build.queuedAt : build.timestamp,
        duration: phase === 'QUEUED' || phase === 'STARTED' ? 0 : build.duration,
        phase,
        ...(build.result && (phase === 'COMPLETED' || phase === 'FINALIZED') ? { status: build.result } : {}),
        url: `${relJob}${build.number}/`,
        scm: { changes: [], culprits: [] },
        ...(job.opts.parameters ? { parameters: { ...build.params } } : {}),
        log: '',
        artifacts: {},
      },
    };
  }
}

// Delivery failures are swallowed: the plugin logs them and the build carries on (retries default to 0).
async function send(target: string, body: string): Promise<void> {
  try {
    const url = new URL(target);
    const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
    if (url.username || url.password) {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const post = (to: URL | string) =>
      fetch(to, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    const res = await post(url);
    await res.arrayBuffer();
    // The plugin follows a 307 by hand (once); every other status counts as delivered.
    const location = res.headers.get('location');
    if (res.status === 307 && location) await (await post(new URL(location, url))).arrayBuffer();
  } catch {
    // delivered or not, Jenkins does not care
  }
}
