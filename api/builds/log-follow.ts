import { buildStatus, listenBuildLogs, readBuildLog } from '../../db/build-logs.js';
import type { Db, PubSub } from '../../db/client.js';
import { finishedBuildStatuses, type BuildStatus } from '../../domain/build-state.js';

// "Replay, then follow" for one build's log, shared by the SSE and WebSocket routes. Chunks come
// from Postgres only; a notification just says "look again", so any API replica can follow any
// build, and coalesced or lost notifications cost a delay (at most one heartbeat), never a line.

export type FollowEvent =
  | { type: 'log'; id: number; command: string; offset: number; text: string }
  /** The build has finished and every chunk has been sent. */
  | { type: 'end'; status: string }
  /** Nothing else was sent for a heartbeat interval. */
  | { type: 'heartbeat'; at: string };

type Wake = (what: 'log' | 'status') => void;

export interface BuildLogHub {
  /** Resolves once this process listens, so nothing stored after it is missed. */
  subscribe(buildId: string, wake: Wake): Promise<() => void>;
}

const hubs = new WeakMap<PubSub, BuildLogHub>();

/** The process's hub for this database: the API's streams and the dashboard's share one LISTEN. */
export function sharedBuildLogHub(pubsub: PubSub): BuildLogHub {
  let hub = hubs.get(pubsub);
  if (!hub) hubs.set(pubsub, (hub = createBuildLogHub(pubsub)));
  return hub;
}

/** One LISTEN per channel per process (while anyone follows), fanned out by build id. */
export function createBuildLogHub(pubsub: PubSub): BuildLogHub {
  const followers = new Map<string, Set<Wake>>();
  let count = 0;
  let listening: Promise<() => Promise<void>> | null = null;
  const listen = () =>
    listenBuildLogs(pubsub, (what, buildId) => {
      for (const wake of followers.get(buildId) ?? []) wake(what);
    });
  return {
    async subscribe(buildId, wake) {
      const set = followers.get(buildId) ?? new Set<Wake>();
      followers.set(buildId, set);
      set.add(wake);
      count += 1;
      const unsubscribe = () => {
        if (!set.delete(wake)) return;
        if (set.size === 0) followers.delete(buildId);
        count -= 1;
        if (count > 0 || !listening) return;
        const stopping = listening;
        listening = null;
        stopping.then((stop) => stop()).catch(() => {});
      };
      const current = (listening ??= listen());
      try {
        await current;
      } catch (err) {
        if (listening === current) listening = null;
        unsubscribe();
        throw err;
      }
      return unsubscribe;
    },
  };
}

export interface FollowOptions {
  db: Db;
  hub: BuildLogHub;
  buildId: string;
  /** Chunk id already seen (Last-Event-ID); 0 replays everything. */
  after: number;
  heartbeatMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Awaited, so a slow client slows the replay instead of filling memory. */
  send(event: FollowEvent): Promise<void> | void;
}

const PAGE = 200;

/** Sends chunks with id > `after`, then live ones, until the build has finished (`end`) or the signal aborts. */
export async function followBuildLog(o: FollowOptions): Promise<void> {
  let woken = false;
  let statusDue = true;
  let wake = () => {};
  const unsubscribe = await o.hub.subscribe(o.buildId, (what) => {
    if (what === 'status') statusDue = true;
    woken = true;
    wake();
  });
  const onAbort = () => wake();
  o.signal.addEventListener('abort', onAbort);
  try {
    let lastId = o.after;
    while (!o.signal.aborted) {
      woken = false;
      lastId = await sendChunks(o, lastId);
      if (statusDue) {
        statusDue = false;
        const status = await buildStatus(o.db, o.buildId);
        if (status === null || finishedBuildStatuses.has(status as BuildStatus)) {
          // The status is written after the last command's chunks, so this pass is complete.
          await sendChunks(o, lastId);
          await o.send({ type: 'end', status: status ?? 'unknown' });
          return;
        }
      }
      if (woken || o.signal.aborted) continue;
      const idle = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), o.heartbeatMs);
        wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      wake = () => {};
      if (idle && !o.signal.aborted) {
        // Also a safety net for a lost notification: look at the table and the status again.
        statusDue = true;
        await o.send({ type: 'heartbeat', at: new Date().toISOString() });
      }
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

async function sendChunks(o: FollowOptions, afterId: number): Promise<number> {
  for (;;) {
    const page = await readBuildLog(o.db, o.buildId, { afterId, limit: PAGE });
    for (const chunk of page) {
      if (o.signal.aborted) return afterId;
      await o.send({ type: 'log', id: chunk.id, command: chunk.commandKey, offset: chunk.offset, text: chunk.text });
      afterId = chunk.id;
    }
    if (page.length < PAGE) return afterId;
  }
}
