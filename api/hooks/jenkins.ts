import { Hono } from 'hono';
import { linkFeature } from '../../db/features.js';
import { featureKeys } from '../../domain/feature-keys.js';
import { can, requireScope, type AuthEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { jenkinsNotifiedSignal, parseCorrelationId } from '../../workflows/deployment.messages.js';
import { logger } from '../../infra/logger.js';

// The Jenkins Notification plugin posts build phases here (configure the endpoint as
// https://deploy-bot:<token>@slipway/hooks/jenkins). A notice only wakes the deployment: the
// workflow then reads the build from Jenkins itself, so a forged notice cannot fake a result.

interface Notice {
  name?: string;
  url?: string;
  build?: { phase?: string; number?: number; status?: string; full_url?: string; url?: string; parameters?: Record<string, string>; scm?: { url?: string; branch?: string; commit?: string } };
}

export function callbackRoutes(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  app.post('/hooks/jenkins', async (c) => {
    const principal = c.get('principal');
    if (!can(principal, 'provider')) requireScope(c, 'deploy:report');
    let notice: Notice;
    try {
      notice = await c.req.json<Notice>();
    } catch {
      return c.json({ error: { code: 'invalid', message: 'body: not JSON', field: 'body' } }, 400);
    }
    const step = Object.values(notice.build?.parameters ?? {}).map((v) => parseCorrelationId(String(v))).find(Boolean);
    if (!step) return c.json(await recordCiBuild(deps, notice), 202);
    const { deploymentId, environment } = step;
    try {
      await deps.temporal.workflow.getHandle(deploymentId).signal(jenkinsNotifiedSignal, { environment, phase: notice.build?.phase ?? '', buildNumber: notice.build?.number });
    } catch (err) {
      logger.info({ err, deploymentId }, 'Jenkins notice for a deployment that is not running');
      return c.json({ accepted: false, message: 'ignored: deployment is not running' }, 202);
    }
    return c.json({ accepted: true }, 200);
  });
  return app;
}

/**
 * Jenkins as a CI provider: a build that is not a Slipway deployment is linked to the features its
 * branch names (BRANCH_NAME, or the SCM branch), so a feature shows its CI results too.
 */
async function recordCiBuild(deps: ApiDeps, notice: Notice) {
  const build = notice.build ?? {};
  const branch = (build.parameters?.BRANCH_NAME ?? build.scm?.branch ?? '').replace(/^origin\//, '');
  const keys = featureKeys(branch);
  if (!branch || keys.length === 0 || build.number === undefined) return { accepted: false, message: 'ignored: no Slipway deployment and no feature in the branch name' };
  const job = (notice.url ?? notice.name ?? 'jenkins').replace(/\/$/, '');
  const detail = { source: 'jenkins', job, number: build.number, phase: build.phase ?? null, status: build.status ?? null, url: build.full_url ?? null, branch, commit: build.scm?.commit ?? null };
  for (const key of keys) await linkFeature(deps.db, { featureKey: key, kind: 'ci', repo: build.scm?.url ?? job, ref: `${job}#${build.number}`, detail });
  return { accepted: true, features: keys };
}
