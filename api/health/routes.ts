import { Hono } from 'hono';
import { pingDatabase } from '../../db/health.js';
import type { ApiDeps } from '../deps.js';

// Liveness (/healthz: the process answers) and readiness (/readyz: its dependencies answer).

export interface HealthCheck {
  problems(): Promise<string[]>;
}

export function createHealthCheck(deps: ApiDeps): HealthCheck {
  const check = async (name: string, fn: () => Promise<unknown>, timeoutMs = 3000): Promise<string | null> => {
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref()),
      ]);
      return null;
    } catch (err) {
      return `${name}: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  return {
    async problems() {
      const results = await Promise.all([
        check('database', () => pingDatabase(deps.db)),
        check('temporal', () => deps.temporal.workflowService.getSystemInfo({})),
        ...Object.keys(deps.config.jenkins).map((server) =>
          check(`jenkins ${server}`, () => (deps.pingJenkins ? deps.pingJenkins(server) : Promise.resolve())),
        ),
      ]);
      return results.filter((r): r is string => r !== null);
    },
  };
}

export function healthRoutes(health: HealthCheck) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const problems = await health.problems();
    return c.json({ status: problems.length ? 'unavailable' : 'ready', problems }, problems.length ? 503 : 200);
  });
  return app;
}
