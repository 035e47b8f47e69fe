// Queue and build state of the fake Jenkins, with the lifecycle timings of the wire reference
// (§3 merging, §4 queue items, §5 builds, §6 stop). Rendering to JSON lives in render.ts.

export type FakeResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT';
export type NotifyPhase = 'QUEUED' | 'STARTED' | 'COMPLETED' | 'FINALIZED';

export interface FakeJobOptions {
  /** Defined parameter names (default value ''). Undefined ones sent by a client are dropped; omit => not parameterized. */
  parameters?: string[];
  result?: FakeResult | ((params: Record<string, string>) => FakeResult);
  /** How long a build runs (default 200). */
  durationMs?: number;
  /** Time as WaitingItem then BuildableItem (half each) before the build starts (default 50). */
  queueDelayMs?: number;
  /** 409 on trigger. */
  disabled?: boolean;
  /** Emitted evenly over the build's duration through progressiveText/consoleText. */
  logLines?: string[];
  /**
   * Notification plugin endpoint (JSON over HTTP). `events`: the phases this endpoint sends (default all);
   * `duplicate`: every event is delivered twice; `drop`: events are lost in transit (Jenkins believes
   * them delivered, the receiver sees nothing); `delayMs`: each delivery waits this long, order kept.
   */
  notify?: { url: string; events?: NotifyPhase[]; duplicate?: boolean; drop?: boolean; delayMs?: number };
}

export interface Job {
  path: string;
  segments: string[];
  opts: FakeJobOptions;
  nextBuildNumber: number;
  builds: Build[]; // oldest first
  triggers: number;
  dropNextTriggerResponse: boolean;
}

export interface QueueItem {
  id: number;
  job: Job;
  params: Record<string, string>;
  state: 'waiting' | 'buildable' | 'left';
  inQueueSince: number;
  dueAt: number;
  buildableSince: number | null;
  cancelled: boolean;
  build: Build | null;
  leftAt: number | null;
  /** A fresh LeftItem shows `executable: null` to this many polls before the number appears. */
  hiddenPolls: number;
  timer: NodeJS.Timeout | null;
}

export interface Build {
  job: Job;
  number: number;
  queueId: number;
  params: Record<string, string>;
  result: FakeResult | null;
  building: boolean;
  /** When its queue item was created: the QUEUED notification's timestamp. */
  queuedAt: number;
  timestamp: number;
  duration: number;
  log: string;
  aborting: boolean;
  timers: Set<NodeJS.Timeout>;
}

export interface ModelHooks {
  user: string;
  queueItemTtlMs: number;
  onPhase(build: Build, phase: NotifyPhase): void;
}

// Result is set (COMPLETED) a moment before `building` turns false (FINALIZED), as in Jenkins.
const POST_PRODUCTION_MS = 15;
const STOP_UNWIND_MS = 30;

export class JenkinsModel {
  readonly jobs = new Map<string, Job>();
  private readonly folders = new Set<string>();
  private readonly items = new Map<number, QueueItem>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextQueueId = 1;

  constructor(private readonly hooks: ModelHooks) {}

  defineJob(path: string, opts: FakeJobOptions): Job {
    const segments = path.split('/').filter((s) => s !== '');
    if (segments.length === 0) throw new Error(`bad job path "${path}"`);
    for (let i = 1; i < segments.length; i++) this.folders.add(segments.slice(0, i).join('/'));
    const key = segments.join('/');
    const existing = this.jobs.get(key);
    if (existing) {
      existing.opts = opts;
      return existing;
    }
    const job: Job = {
      path: key,
      segments,
      opts,
      nextBuildNumber: 1,
      builds: [],
      triggers: 0,
      dropNextTriggerResponse: false,
    };
    this.jobs.set(key, job);
    return job;
  }

  job(path: string): Job {
    const job = this.jobs.get(
      path
        .split('/')
        .filter((s) => s !== '')
        .join('/'),
    );
    if (!job) throw new Error(`fake Jenkins: no job "${path}" defined`);
    return job;
  }

  /** Resolves decoded path segments; the top-level name is matched case-insensitively like Jenkins. */
  lookup(segments: string[]): { kind: 'job'; job: Job } | { kind: 'folder'; path: string } | null {
    // A name holding '/' came from an encoded %2F: Jenkins treats A%2FB as one (unknown) name.
    if (segments.some((x) => x.includes('/'))) return null;
    const candidates = [segments.join('/')];
    const [first, ...rest] = segments;
    for (const name of [...this.jobs.keys(), ...this.folders]) {
      const [top, ...tail] = name.split('/');
      if (top?.toLowerCase() === first?.toLowerCase() && tail.join('/') === rest.join('/')) candidates.push(name);
    }
    for (const c of candidates) {
      const job = this.jobs.get(c);
      if (job) return { kind: 'job', job };
      if (this.folders.has(c)) return { kind: 'folder', path: c };
    }
    return null;
  }

  folderChildren(prefix: string): Array<{ name: string; job: Job | null }> {
    const names = new Map<string, Job | null>();
    const depth = prefix === '' ? 0 : prefix.split('/').length;
    for (const p of [...this.folders, ...this.jobs.keys()]) {
      const segs = p.split('/');
      if (segs.length === depth + 1 && (prefix === '' || p.startsWith(prefix + '/')))
        names.set(segs[depth]!, this.jobs.get(p) ?? null);
    }
    return [...names].map(([name, job]) => ({ name, job }));
  }

  /** Queue.schedule2: merge into a still-queued item of the job with equal parameters, else enqueue. */
  schedule(job: Job, params: Record<string, string>, delayMs: number | null): { item: QueueItem; merged: boolean } {
    const now = Date.now();
    const queueDelay = job.opts.queueDelayMs ?? 50;
    const waitMs = delayMs ?? queueDelay / 2;
    for (const item of this.items.values()) {
      if (item.job === job && item.state !== 'left' && sameParams(item.params, params)) {
        if (item.state === 'waiting' && now + waitMs < item.dueAt) this.arm(item, waitMs);
        return { item, merged: true };
      }
    }
    const item: QueueItem = {
      id: this.nextQueueId++,
      job,
      params,
      state: 'waiting',
      inQueueSince: now,
      dueAt: now + waitMs,
      buildableSince: null,
      cancelled: false,
      build: null,
      leftAt: null,
      hiddenPolls: 1,
      timer: null,
    };
    this.items.set(item.id, item);
    this.arm(item, waitMs);
    return { item, merged: false };
  }

  private arm(item: QueueItem, waitMs: number): void {
    if (item.timer) this.clear(item.timer);
    item.dueAt = Date.now() + waitMs;
    item.timer = this.later(waitMs, () => {
      item.state = 'buildable';
      item.buildableSince = Date.now();
      item.timer = this.later((item.job.opts.queueDelayMs ?? 50) / 2, () => this.start(item));
    });
  }

  /** Returns the item unless it has left longer than the TTL ago (Jenkins' LeftItem cache). */
  item(id: number): QueueItem | undefined {
    const item = this.items.get(id);
    if (item?.leftAt != null && Date.now() - item.leftAt >= this.hooks.queueItemTtlMs) {
      this.items.delete(id);
      return undefined;
    }
    return item;
  }

  queued(): QueueItem[] {
    return [...this.items.values()].filter((i) => i.state !== 'left');
  }

  cancelItem(id: number): boolean {
    const item = this.items.get(id);
    if (!item || item.state === 'left') return false;
    if (item.timer) this.clear(item.timer);
    Object.assign(item, { state: 'left', cancelled: true, leftAt: Date.now(), timer: null, hiddenPolls: 0 });
    return true;
  }

  forgetLeftItems(): void {
    for (const [id, item] of this.items) if (item.state === 'left') this.items.delete(id);
  }

  private start(item: QueueItem): void {
    const job = item.job;
    const now = Date.now();
    const build: Build = {
      job,
      number: job.nextBuildNumber++,
      queueId: item.id,
      params: item.params,
      result: null,
      building: true,
      queuedAt: item.inQueueSince,
      timestamp: now,
      duration: 0,
      aborting: false,
      timers: new Set(),
      log: `Started by user ${this.hooks.user}\nRunning as SYSTEM\nBuilding in workspace /var/jenkins_home/workspace/${job.segments.join('/')}\n`,
    };
    job.builds.push(build);
    Object.assign(item, { state: 'left', leftAt: now, build, timer: null });
    this.hooks.onPhase(build, 'QUEUED');
    this.hooks.onPhase(build, 'STARTED');

    const duration = job.opts.durationMs ?? 200;
    const lines = job.opts.logLines ?? [];
    lines.forEach((line, i) => {
      this.buildTimer(build, ((i + 1) * duration) / (lines.length + 1), () => {
        build.log += `${line}\n`;
      });
    });
    this.buildTimer(build, duration, () => this.complete(build, resultFor(job, build.params)));
  }

  stop(build: Build): void {
    if (!build.building || build.aborting) return;
    build.aborting = true;
    for (const t of build.timers) this.clear(t);
    build.timers.clear();
    build.log += `Aborted by ${this.hooks.user}\n`;
    this.buildTimer(build, STOP_UNWIND_MS, () => this.complete(build, 'ABORTED'));
  }

  private complete(build: Build, result: FakeResult): void {
    build.result = result;
    build.duration = Math.max(1, Date.now() - build.timestamp);
    build.log += `Finished: ${result}\n`;
    this.hooks.onPhase(build, 'COMPLETED');
    this.buildTimer(build, POST_PRODUCTION_MS, () => {
      build.building = false;
      this.hooks.onPhase(build, 'FINALIZED');
    });
  }

  private buildTimer(build: Build, ms: number, fn: () => void): void {
    const t = this.later(ms, () => {
      build.timers.delete(t);
      fn();
    });
    build.timers.add(t);
  }

  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

function sameParams(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

function resultFor(job: Job, params: Record<string, string>): FakeResult {
  const r = job.opts.result ?? 'SUCCESS';
  return typeof r === 'function' ? r(params) : r;
}
