// The dashboard bench's live-update figure: Chromium (playwright-core, as the browser tests drive it)
// signed in on `/` with the page's own live script; the bench moves deployments under way one
// status on, through the store activity's own code (row written, then its notice), and notes when
// the browser's EventSource delivers an event and when the page's DOM changes next.
import { createStoreActivities } from '../activities/store.js';
import type { Database } from '../db/client.js';
import { findDeployment, rowState } from '../db/deployments.js';
import type { DeploymentState, WaitingOn } from '../domain/deployment-state.js';
import type { OctopushStatus, Phase } from '../domain/statuses.js';
import { launchBrowser, signInWithToken } from '../test/support/browser.js';
import { sleep, type Cleanups } from './support.js';

export interface LiveRun {
  baseUrl: string;
  token: string;
  database: Database;
  /** Deployments under way to move on, in turn. */
  deploymentIds: string[];
  changes: number;
}

export interface LiveFigures {
  /** Change → the first EventSource event after it, ms. */
  eventMs: number[];
  /** Change → the first DOM mutation after it, ms (changes the live script did not show are left out). */
  updatedMs: number[];
  /** Changes whose event did not come within 5 s. */
  missed: number;
}

/** The next step of a deployment under way; null once finished. */
const next: Partial<Record<OctopushStatus, { status: OctopushStatus; phase: Phase; environment: string }>> = {
  QUEUED: { status: 'DEPLOYING', phase: 'deploying', environment: 'preprod' },
  DEPLOYING: { status: 'PENDING_TESTS', phase: 'awaiting-tests', environment: 'preprod' },
  PENDING_TESTS: { status: 'TESTS_PASSED', phase: 'awaiting-approval', environment: 'live' },
  TESTS_PASSED: { status: 'QUEUED_FOR_LIVE', phase: 'queued', environment: 'live' },
  QUEUED_FOR_LIVE: { status: 'GOING_LIVE', phase: 'deploying', environment: 'live' },
  GOING_LIVE: { status: 'GO_LIVE_DONE', phase: 'finished', environment: 'live' },
};

function waitingFor(phase: Phase, environment: string, now: string): WaitingOn | null {
  switch (phase) {
    case 'queued':
      return { kind: 'lock', environment, since: now };
    case 'deploying':
      return { kind: 'deployer', environment, detail: 'jenkins deployer running' };
    case 'awaiting-tests':
      return {
        kind: 'tests',
        environment,
        dueAt: new Date(Date.parse(now) + 86_400_000).toISOString(),
        onExpiry: 'fail',
      };
    case 'awaiting-approval':
      return { kind: 'approval', environment, approvalsNeeded: 1, approvers: ['lead'], dueAt: now };
    case 'awaiting-gates':
    case 'finished':
      return null;
  }
}

/** The state one step on, with its transition; null when the deployment has finished. */
function stepOn(state: DeploymentState): DeploymentState | null {
  const to = next[state.status];
  if (!to || state.phase === 'finished') return null;
  const now = new Date().toISOString();
  const seq = state.seq + 1;
  return {
    ...state,
    status: to.status,
    phase: to.phase,
    environment: to.environment,
    waitingOn: waitingFor(to.phase, to.environment, now),
    outcome: to.phase === 'finished' ? { status: 'succeeded', message: 'live' } : null,
    seq,
    transitions: [
      { seq, from: state.status, to: to.status, phase: to.phase, actor: 'bench', reason: 'bench step', at: now },
    ],
  };
}

/**
 * Runs in the page before its scripts (an init script, which the page's CSP does not govern): tells
 * the bench (window.__benchSeen, a Playwright binding) of every EventSource event and DOM mutation
 * as it happens, and counts opened streams. The bench stamps them with its own clock: Chromium's
 * Date.now() runs from its own time base and drifts from the system clock by some milliseconds, too
 * much to compare with the bench's. Plain JavaScript: the bench's TypeScript has no DOM types.
 */
const recorder = `(() => {
  const bench = (window.__bench = { open: 0 });
  const seen = (kind) => window.__benchSeen(kind);
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, fn, opts) {
    if (type !== 'open' && type !== 'error') add.call(this, type, () => seen('event'));
    return add.call(this, type, fn, opts);
  };
  const onmessage = Object.getOwnPropertyDescriptor(EventSource.prototype, 'onmessage');
  Object.defineProperty(EventSource.prototype, 'onmessage', {
    configurable: true,
    get: onmessage.get,
    set(fn) {
      add.call(this, 'message', () => seen('event'));
      onmessage.set.call(this, fn);
    },
  });
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      add.call(this, 'open', () => bench.open++);
    }
  };
  new MutationObserver(() => seen('mutation')).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
})();`;

/** When the bench heard of each event and mutation in the page (its own clock, Date.now()). */
interface Heard {
  event: number[];
  mutation: number[];
}

/** The first time in `times` at or after `since`, waiting up to `timeoutMs`; null if none came. */
async function firstAfter(times: number[], since: number, timeoutMs: number): Promise<number | null> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(2)) {
    const found = times.find((t) => t >= since);
    if (found !== undefined) return found;
    if (Date.now() > deadline) return null;
  }
}

export async function measureLiveLatency(run: LiveRun, cleanups: Cleanups): Promise<LiveFigures> {
  const browser = await launchBrowser();
  cleanups.add('Chromium', () => browser.close());
  const page = await browser.newPage();
  const heard: Heard = { event: [], mutation: [] };
  await page.exposeFunction('__benchSeen', (kind: keyof Heard) => void heard[kind].push(Date.now()));
  await page.addInitScript({ content: recorder });
  await signInWithToken(page, run.baseUrl, run.token);
  await page.goto(`${run.baseUrl}/`);
  await page.waitForFunction('window.__bench.open > 0', null, { timeout: 10_000 });
  const store = createStoreActivities({ db: run.database.db, pubsub: run.database.pubsub });
  let turn = 0;
  const nextChange = async (): Promise<DeploymentState> => {
    for (const limit = turn + run.deploymentIds.length * 8; turn < limit; turn++) {
      const row = await findDeployment(run.database.db, run.deploymentIds[turn % run.deploymentIds.length]!);
      const changed = row ? stepOn(rowState(row)) : null;
      if (changed) return changed;
    }
    throw new Error('no deployment under way is left to move on: seed more');
  };
  /** One change with the page at rest (the previous event and re-render over); its event and update times. */
  const change = async (eventTimeoutMs: number) => {
    await sleep(150);
    const changed = await nextChange();
    const t0 = Date.now();
    await store.recordDeployment(changed);
    const event = await firstAfter(heard.event, t0, eventTimeoutMs);
    const mutation = event === null ? null : await firstAfter(heard.mutation, t0, 2_000);
    return { event: event === null ? null : event - t0, updated: mutation === null ? null : mutation - t0 };
  };

  // The stream is open before the server listens for changes (its first subscriber starts the
  // LISTEN): changes until one is seen, not counted.
  let warm = false;
  for (let i = 0; i < 10 && !warm; i++) warm = (await change(3_000)).event !== null;
  if (!warm) throw new Error('no event reached the browser after 10 changes');

  const figures: LiveFigures = { eventMs: [], updatedMs: [], missed: 0 };
  for (let done = 0; done < run.changes; done++) {
    const seen = await change(5_000);
    if (seen.event === null) figures.missed++;
    else figures.eventMs.push(seen.event);
    if (seen.updated !== null) figures.updatedMs.push(seen.updated);
  }
  await page.close();
  return figures;
}
