import type { ApiDeps } from '../../api/deps.js';
import {
  activeDeployments,
  currentVersions,
  environmentQueuesOf,
  recentReleases,
  type BoardCard,
  type EnvironmentQueue,
  type RecentRelease,
} from '../../db/board.js';
import { pauseSwitches } from '../../db/environment-queues.js';
import { boardEnvironments } from '../../domain/board-environments.js';
import { waitingInWords } from '../../domain/waiting-words.js';

// Everything the environments board shows, read in one go: per environment its pause state, what is
// queued for it, what is under way in it (with what each waits on, in words), what reached it lately;
// and the version of each service in each environment.

export interface BoardItem extends BoardCard {
  waiting: string | null;
}

export interface BoardColumn {
  environment: string;
  /** Who paused it, when paused ('*' pauses every environment). */
  paused: { by: string; at: Date; all: boolean } | null;
  queued: BoardItem[];
  inProgress: BoardItem[];
  recent: RecentRelease[];
}

export interface Board {
  columns: BoardColumn[];
  services: string[];
  /** environment → service → the version there (absent: never reached). */
  versions: Map<string, Map<string, { version: string; deploymentId: string }>>;
  /** More deployments are under way than the board lists. */
  truncated: boolean;
}

const ACTIVE_LIMIT = 500;
const RECENT_PER_ENVIRONMENT = 5;

function waitingOf(card: BoardCard, queues: Map<string, EnvironmentQueue>): string | null {
  const waiting = card.waitingOn;
  if (waiting?.kind !== 'lock') return waitingInWords(waiting ?? null);
  const queue = queues.get(waiting.environment);
  if (!queue) return waitingInWords(waiting);
  const order = [...queue.waiters].sort((a, b) => a.order - b.order);
  const index = order.findIndex((w) => w.workflowId === card.id);
  return waitingInWords(waiting, {
    paused: queue.paused,
    position: index >= 0 ? index + 1 : null,
    holders: queue.holders.map((h) => h.service),
  });
}

export async function loadBoard(deps: Pick<ApiDeps, 'db' | 'config'>): Promise<Board> {
  const { db, config } = deps;
  const environments = boardEnvironments(config);
  const services = Object.keys(config.services).sort();
  const [active, recent, versions, queues, pauses] = await Promise.all([
    activeDeployments(db, ACTIVE_LIMIT + 1),
    recentReleases(db, environments, RECENT_PER_ENVIRONMENT),
    currentVersions(db, environments, services),
    environmentQueuesOf(db, environments),
    pauseSwitches(db, ['*', ...environments]),
  ]);
  const queueOf = new Map(queues.map((q) => [q.environment, q]));
  const items: BoardItem[] = active.slice(0, ACTIVE_LIMIT).map((d) => ({ ...d, waiting: waitingOf(d, queueOf) }));
  const all = pauses.find((p) => p.scope === '*' && p.paused);
  const columns = environments.map((environment): BoardColumn => {
    const own = pauses.find((p) => p.scope === environment && p.paused);
    const pause = all ?? own;
    const here = items.filter((d) => d.environment === environment);
    return {
      environment,
      paused: pause ? { by: pause.by, at: pause.at, all: pause === all } : null,
      queued: here.filter((d) => d.phase === 'queued'),
      inProgress: here.filter((d) => d.phase !== 'queued'),
      recent: recent.filter((r) => r.environment === environment),
    };
  });
  const byEnvironment = new Map(
    environments.map((e) => [e, new Map<string, { version: string; deploymentId: string }>()]),
  );
  for (const v of versions)
    byEnvironment.get(v.environment)?.set(v.service, { version: v.version, deploymentId: v.deploymentId });
  return { columns, services, versions: byEnvironment, truncated: active.length > ACTIVE_LIMIT };
}
