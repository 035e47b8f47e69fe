// The dashboard bench's live-update figure: Chromium (playwright-core, as the browser tests drive it)
// signed in on `/` with the page's own live script; the bench moves deployments under way one
// status on, through the store activity's own code (row written, then its notice), and notes when
// the browser's EventSource delivers an event and when the page's DOM changes next.
import type { Page } from 'playwright-core';
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
 * Runs in the page before its scripts (an init script, which the page's CSP does not govern): notes
 * the time of every EventSource event and DOM mutation in `window.__bench`, by the page's clock
 * (the machine's, as the bench's). Plain JavaScript: the bench's TypeScript has no DOM types.
 */
const recorder = `(() => {
  const bench = (window.__bench = { events: [], mutations: [], open: 0 });
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, fn, opts) {
    if (type !== 'open' && type !== 'error') add.call(this, type, () => bench.events.push(Date.now()));
    return add.call(this, type, fn, opts);
  };
  const onmessage = Object.getOwnPropertyDescriptor(EventSource.prototype, 'onmessage');
  Object.defineProperty(EventSource.prototype, 'onmessage', {
    configurable: true,
    get: onmessage.get,
    set(fn) {
      add.call(this, 'message', () => bench.events.push(Date.now()));
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
  new MutationObserver(() => bench.mutations.push(Date.now())).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
})();`;

/** The page's first recorded time (of an event, or a mutation) at or after `since`; null after `timeoutMs`. */
async function firstAfter(page: Page, what: 'events' | 'mutations', since: number, timeoutMs: number) {
  const handle = await page
    .waitForFunction(`window.__bench.${what}.find((t) => t >= ${since}) ?? false`, null, {
      timeout: timeoutMs,
      polling: 10,
    })
    .catch(() => null);
  return handle ? ((await handle.jsonValue()) as number) : null;
}

export async function measureLiveLatency(run: LiveRun, cleanups: Cleanups): Promise<LiveFigures> {
  const browser = await launchBrowser();
  cleanups.add('Chromium', () => browser.close());
  const page = await browser.newPage();
  await page.addInitScript({ content: recorder });
  await signInWithToken(page, run.baseUrl, run.token);
  await page.goto(`${run.baseUrl}/`);
  await page.waitForFunction('window.__bench.open > 0', null, { timeout: 10_000 });
  const store = createStoreActivities({ db: run.database.db, pubsub: run.database.pubsub });
  const figures: LiveFigures = { eventMs: [], updatedMs: [] };
  let turn = 0;
  for (let done = 0; done < run.changes; turn++) {
    if (turn > run.deploymentIds.length * 8)
      throw new Error(`only ${done} changes possible: too few deployments under way`);
    const row = await findDeployment(run.database.db, run.deploymentIds[turn % run.deploymentIds.length]!);
    const changed = row ? stepOn(rowState(row)) : null;
    if (!changed) continue;
    await sleep(150); // the page at rest: the previous change's event and re-render are over
    const t0 = Date.now();
    await store.recordDeployment(changed);
    const event = await firstAfter(page, 'events', t0, 5_000);
    if (event === null) throw new Error(`no event reached the browser within 5 s of changing ${changed.id}`);
    figures.eventMs.push(event - t0);
    const mutation = await firstAfter(page, 'mutations', t0, 2_000);
    if (mutation !== null) figures.updatedMs.push(mutation - t0);
    done++;
  }
  await page.close();
  return figures;
}
