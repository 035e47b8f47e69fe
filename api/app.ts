import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import { artifactRoutes } from './artifacts/routes.js';
import { createBuildCommands, type BuildCommands } from './builds/commands.js';
import { buildLogRoutes } from './builds/logs.js';
import { buildRoutes } from './builds/routes.js';
import { createDeploymentCommands, type DeploymentCommands } from './deployments/commands.js';
import { deploymentRoutes } from './deployments/routes.js';
import type { ApiDeps } from './deps.js';
import { environmentRoutes } from './environments/routes.js';
import { onError } from './errors.js';
import { featureRoutes } from './features/routes.js';
import { createHealthCheck, healthRoutes } from './health/routes.js';
import type { WebhookRelay } from './hooks/relay.js';
import { hookRoutes } from './hooks/routes.js';
import { jobRoutes } from './jobs/routes.js';
import { authenticate, type AuthEnv } from './middleware/auth.js';
import { limitBodies } from './middleware/body-limit.js';
import { noSniff } from './middleware/no-sniff.js';
import { tracing } from './middleware/tracing.js';
import { octopushRoutes } from './octopush/routes.js';
import { serveDocument, v1App } from './openapi.js';
import { createQueueCommands, type QueueCommands } from './queue/commands.js';
import { queueRoutes } from './queue/routes.js';
import { serviceRoutes } from './services/routes.js';
import { tokenRoutes } from './tokens/routes.js';

/** The command objects built once here, handed to the dashboard so its actions run the API's own code. */
export interface AppCommands {
  deployments: DeploymentCommands;
  queue: QueueCommands;
  builds: BuildCommands;
}

/** The dashboard's routes (ui/app.tsx uiRoutes): api/ never imports ui/, so infra/ passes them in. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PagesFactory = (deps: ApiDeps, commands: AppCommands) => Hono<any>;

/**
 * The whole HTTP surface, built from injected dependencies (no process.env here). Serve it with a
 * WebSocket server (infra/runtime.ts serveApi) for the live-log WebSocket. The webhook gateway
 * pokes `webhookRelay` after each delivery it records.
 */
export function createApp(deps: ApiDeps, webhookRelay: Pick<WebhookRelay, 'poke'>, pages?: PagesFactory) {
  const commands = createDeploymentCommands(deps);
  const queue = createQueueCommands(deps);
  const health = createHealthCheck(deps);
  const buildCommands = createBuildCommands(deps);

  const v1 = v1App();
  v1.route('/deployments', deploymentRoutes(deps, commands));
  v1.route('/environments', environmentRoutes(deps, queue));
  v1.route('/queue', queueRoutes(deps, queue));
  v1.route('/services', serviceRoutes(deps));
  v1.route('/tokens', tokenRoutes(deps));
  v1.route('/jobs', jobRoutes(deps, buildCommands));
  v1.route('/builds', buildRoutes(deps, buildCommands));
  v1.route('/builds', buildLogRoutes(deps, upgradeWebSocket, { heartbeatMs: deps.logHeartbeatMs }));
  v1.route('/artifacts', artifactRoutes(deps));
  v1.route('/features', featureRoutes(deps));
  v1.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  serveDocument(v1, '/openapi.json', {
    openapi: '3.1.0',
    servers: [{ url: '/v1' }],
    info: {
      title: 'Slipway API',
      version: deps.version,
      description:
        'Deployments, queues, services, tokens, jobs, builds, artifacts and features. Webhooks are documented at /hooks/openapi.json; the Octopush-compatible routes live outside /v1.',
    },
  });

  const app = new Hono<AuthEnv>();
  app.use(noSniff());
  app.use(tracing());
  app.use(limitBodies());
  // Forges sign their deliveries and Jenkins sends its token itself: before token authentication.
  app.route('/hooks', hookRoutes(deps, webhookRelay));
  app.use(authenticate(deps.db, deps.config.auth.anonymous));
  // After authentication: a reader's token shows why a dependency failed.
  app.route('/', healthRoutes(health));
  app.route('/v1', v1);
  app.route('/', octopushRoutes(deps, commands, queue, health));
  // After the API, so Octopush's /jobs/:id/status and friends keep their answers.
  if (pages) app.route('/', pages(deps, { deployments: commands, queue, builds: buildCommands }));
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError(onError);
  return app;
}
