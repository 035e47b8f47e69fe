import { Hono } from 'hono';
import { pingDatabase } from '../../db/health.js';
import type { ApiDeps } from '../deps.js';
import { can, type AuthEnv, type Principal } from '../middleware/auth.js';

// Liveness (/healthz: the process answers) and readiness (/readyz: its dependencies answer).
// Anyone may ask, so each dependency is probed at most once per `healthCacheMs` however often
// they do, and only a token holder with the read scope sees why a dependency failed (the error
// text names internal hosts and ports).

/** A dependency that did not answer: its name, and the error (shown to readers only). */
export interface HealthProblem {
  dependency: string;
  error: string;
}

export interface HealthCheck {
  problems(): Promise<HealthProblem[]>;
}

/** How long one probe's answer stands for every caller. */
export const defaultHealthCacheMs = 5000;

const timeoutMs = 3000;

async function probe(dependency: string, fn: () => Promise<unknown>): Promise<HealthProblem | null> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref()),
    ]);
    return null;
  } catch (err) {
    return { dependency, error: err instanceof Error ? err.message : String(err) };
  }
}

/** One probe in flight or fresh at a time: callers within `ttlMs` of its start share its answer. */
function cached<T>(run: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) last = { at: Date.now(), answer: run() };
    return last.answer;
  };
}

export function createHealthCheck(deps: ApiDeps): HealthCheck {
  const ttl = deps.healthCacheMs ?? defaultHealthCacheMs;
  const probes = [
    cached(() => probe('database', () => pingDatabase(deps.db)), ttl),
    cached(() => probe('temporal', () => deps.temporal.workflowService.getSystemInfo({})), ttl),
    ...Object.keys(deps.config.jenkins).map((server) =>
      cached(
        () => probe(`jenkins ${server}`, () => (deps.pingJenkins ? deps.pingJenkins(server) : Promise.resolve())),
        ttl,
      ),
    ),
  ];
  return {
    async problems() {
      const results = await Promise.all(probes.map((p) => p()));
      return results.filter((r): r is HealthProblem => r !== null);
    },
  };
}

/** What a caller is told about a problem: the error only with a token that may read. */
export function describeProblem(problem: HealthProblem, principal: Principal): string {
  return !principal.anonymous && can(principal, 'read')
    ? `${problem.dependency}: ${problem.error}`
    : problem.dependency;
}

export function healthRoutes(health: HealthCheck) {
  const app = new Hono<AuthEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const problems = (await health.problems()).map((p) => describeProblem(p, c.get('principal')));
    return c.json({ status: problems.length ? 'unavailable' : 'ready', problems }, problems.length ? 503 : 200);
  });
  return app;
}
