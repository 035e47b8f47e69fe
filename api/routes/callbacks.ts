import { Hono } from 'hono';
import { requireScope, type AuthEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { jenkinsNotifiedSignal } from '../../workflows/deployment.messages.js';
import { logger } from '../../infra/logger.js';

// The Jenkins Notification plugin posts build phases here (configure the endpoint as
// https://deploy-bot:<token>@slipway/hooks/jenkins). A notice only wakes the deployment: the
// workflow then reads the build from Jenkins itself, so a forged notice cannot fake a result.

interface Notice { build?: { phase?: string; number?: number; parameters?: Record<string, string> } }

const correlation = /^(dep-[^@]+)@([^@]+)$/;

export function callbackRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  app.post('/hooks/jenkins', async (c) => {
    requireScope(c, 'deploy:report');
    let notice: Notice;
    try {
      notice = await c.req.json<Notice>();
    } catch {
      return c.json({ error: { code: 'invalid', message: 'body: not JSON', field: 'body' } }, 400);
    }
    const match = Object.values(notice.build?.parameters ?? {}).map((v) => correlation.exec(String(v))).find(Boolean);
    if (!match) return c.json({ accepted: false, message: 'ignored: no Slipway deployment parameter in this build' }, 202);
    const [, workflowId, environment] = match;
    try {
      await deps.temporal.workflow.getHandle(workflowId!).signal(jenkinsNotifiedSignal, { environment: environment!, phase: notice.build?.phase ?? '', buildNumber: notice.build?.number });
    } catch (err) {
      logger.info({ err, deploymentId: workflowId }, 'Jenkins notice for a deployment that is not running');
      return c.json({ accepted: false, message: 'ignored: deployment is not running' }, 202);
    }
    return c.json({ accepted: true }, 200);
  });
  return app;
}
