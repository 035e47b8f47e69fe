import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { linkFeature } from '../../db/features.js';
import { featureKeys } from '../../domain/feature-keys.js';
import { authenticate, can, requireScope, type AuthEnv } from '../middleware/auth.js';
import type { ApiDeps } from '../deps.js';
import { bearer, bodyByReference, errorResponses, jsonResponse, validationHook } from '../openapi.js';
import { readBody } from '../read-body.js';
import { jenkinsNotifiedSignal, parseCorrelationId } from '../../workflows/deployment.messages.js';
import { logger } from '../../infra/logger.js';

// The Jenkins Notification plugin posts build phases here (configure the endpoint as
// https://deploy-bot:<token>@slipway/hooks/jenkins). A notice only wakes the deployment: the
// workflow then reads the build from Jenkins itself, so a forged notice cannot fake a result.

const text = z.string().nullish();
/** What the plugin sends, as far as Slipway reads it; other fields are ignored. */
const JenkinsNotice = z.looseObject({
  name: text,
  url: text,
  build: z
    .looseObject({
      phase: text,
      number: z.number().int().nullish(),
      status: text,
      full_url: text,
      url: text,
      parameters: z.record(z.string(), z.string()).nullish(),
      scm: z.looseObject({ url: text, branch: text, commit: text }).nullish(),
    })
    .nullish(),
});
type Notice = z.infer<typeof JenkinsNotice>;

const notice = createRoute({
  method: 'post',
  path: '/',
  security: bearer,
  summary:
    'A Jenkins Notification plugin notice: wakes the deployment its parameters name, or links a CI build to the features its branch names',
  request: { body: bodyByReference('JenkinsNotice') },
  responses: {
    200: jsonResponse(z.object({ accepted: z.literal(true) }), 'The deployment was woken'),
    202: jsonResponse(
      z.looseObject({
        accepted: z.boolean(),
        message: z.string().optional(),
        features: z.array(z.string()).optional(),
      }),
      'Linked to features, or ignored (with the reason)',
    ),
    ...errorResponses,
  },
});

/** Authenticates itself (Jenkins sends a token, unlike the forges): it is mounted before the API's authentication. */
export function jenkinsRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.register('JenkinsNotice', JenkinsNotice);
  app.use(authenticate(deps.db, deps.config.auth.anonymous));
  app.openapi(notice, async (c) => {
    const principal = c.get('principal');
    if (!can(principal, 'provider')) requireScope(c, 'deploy:report');
    const notice = await readBody(c, JenkinsNotice);
    const step = Object.values(notice.build?.parameters ?? {})
      .map((v) => parseCorrelationId(String(v)))
      .find(Boolean);
    if (!step) return c.json(await recordCiBuild(deps, notice), 202);
    const { deploymentId, environment } = step;
    try {
      await deps.temporal.workflow.getHandle(deploymentId).signal(jenkinsNotifiedSignal, {
        environment,
        phase: notice.build?.phase ?? '',
        buildNumber: notice.build?.number ?? undefined,
      });
    } catch (err) {
      logger.info({ err, deploymentId }, 'Jenkins notice for a deployment that is not running');
      return c.json({ accepted: false, message: 'ignored: deployment is not running' }, 202);
    }
    return c.json({ accepted: true as const }, 200);
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
  if (!branch || keys.length === 0 || build.number === undefined)
    return { accepted: false, message: 'ignored: no Slipway deployment and no feature in the branch name' };
  const job = (notice.url ?? notice.name ?? 'jenkins').replace(/\/$/, '');
  const detail = {
    source: 'jenkins',
    job,
    number: build.number,
    phase: build.phase ?? null,
    status: build.status ?? null,
    url: build.full_url ?? null,
    branch,
    commit: build.scm?.commit ?? null,
  };
  for (const key of keys)
    await linkFeature(deps.db, {
      featureKey: key,
      kind: 'ci',
      repo: build.scm?.url ?? job,
      ref: `${job}#${build.number}`,
      detail,
    });
  return { accepted: true, features: keys };
}
