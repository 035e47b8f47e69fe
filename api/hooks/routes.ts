import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps.js';
import { serveDocument, validationHook } from '../openapi.js';
import type { WebhookRelay } from './relay.js';
import { forgeRoutes } from './forge.js';
import { jenkinsRoutes } from './jenkins.js';

// /hooks: what outside systems post. Forges prove a delivery by its signature, Jenkins by a token;
// neither goes through the API's token authentication, so this sub-app is mounted before it.
// Its own OpenAPI document is /hooks/openapi.json.

export function hookRoutes(deps: ApiDeps, relay: Pick<WebhookRelay, 'poke'>) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  // Before the forges: `/{forge}` matches /jenkins too.
  app.route('/jenkins', jenkinsRoutes(deps));
  app.route('/', forgeRoutes(deps, relay));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  serveDocument(app, '/openapi.json', {
    openapi: '3.1.0',
    servers: [{ url: '/hooks' }],
    info: {
      title: 'Slipway webhooks',
      version: deps.version,
      description: 'Forge webhook deliveries and Jenkins build notices.',
    },
  });
  return app;
}
