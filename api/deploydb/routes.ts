import { Hono } from 'hono';
import type { ArtifactCommands } from '../artifacts/commands.js';
import type { DeploymentCommands } from '../deployments/commands.js';
import type { ApiDeps } from '../deps.js';
import type { AuthEnv } from '../middleware/auth.js';
import { deploydbArtifacts } from './artifacts.js';
import { deploydbConfiguration } from './configuration.js';
import { deploydbDeployments } from './deployments.js';
import { deploydbFlows } from './flows.js';
import { acceptsJson, deploydbError } from './protocol.js';

// DeployDB's REST API under /api (docs/deploydb-api.md), so that DeployDB's clients and outside
// deployers work against Slipway unchanged. Authenticated like the rest: reads need `read`, artifacts
// `deploy:request`, deployment status and promotion results `deploy:report`.

export function deploydbRoutes(deps: ApiDeps, deployments: DeploymentCommands, artifacts: ArtifactCommands) {
  const app = new Hono<AuthEnv>();
  app.use(acceptsJson());
  app.route('/artifacts', deploydbArtifacts(deps, artifacts));
  app.route('/deployments', deploydbDeployments(deps, deployments));
  app.route('/flows', deploydbFlows(deps));
  app.route('/', deploydbConfiguration(deps));
  app.notFound((c) => c.json({ code: 404, message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(deploydbError);
  return app;
}
