import { Hono } from 'hono';
import { modulesOf } from '../../domain/artifacts.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { own } from '../../domain/own.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import { notAllowed } from './protocol.js';

// DeployDB's configuration resources, read-only views of Slipway's configuration: environments,
// pipelines, promotions and services, listed and read by ident. A service's own `pipeline:` is the
// pipeline named after the service; the others follow the default pipeline, named "default".
// Between environments stand Slipway's built-in promotions: the test result ("tests") after each
// pre-live environment and Go Live ("go-live") before the last.

const promotions = {
  tests: { ident: 'tests', type: 'tests-reported', description: 'the test result reported for this version' },
  'go-live': { ident: 'go-live', type: 'manual', description: 'Go Live approval by the service approvers' },
};

function pipelineIdent(config: SlipwayConfig, service: string): string {
  return own(config.services, service)?.pipeline ? service : 'default';
}

function pipelines(config: SlipwayConfig) {
  const view = (ident: string, environments: string[]) => ({
    ident,
    description: null,
    environments: Object.fromEntries(
      environments.map((env, i) => [
        env,
        {
          promotions:
            i === environments.length - 1 ? [] : i === environments.length - 2 ? ['tests', 'go-live'] : ['tests'],
        },
      ]),
    ),
  });
  const own = Object.entries(config.services).flatMap(([name, svc]) =>
    svc.pipeline ? [view(name, svc.pipeline)] : [],
  );
  return [view('default', config.pipeline), ...own];
}

function services(config: SlipwayConfig) {
  return Object.keys(config.services).map((ident) => ({
    ident,
    description: null,
    artifacts: modulesOf(config, ident),
    pipelines: [pipelineIdent(config, ident)],
    promotions: Object.keys(promotions),
  }));
}

function environments(config: SlipwayConfig) {
  return Object.keys(config.environments).map((ident) => ({ ident, description: null, webhook: null }));
}

export function deploydbConfiguration(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  const resources: Record<string, () => Array<{ ident: string }>> = {
    environments: () => environments(deps.config),
    pipelines: () => pipelines(deps.config),
    promotions: () => Object.values(promotions),
    services: () => services(deps.config),
  };
  for (const [name, list] of Object.entries(resources)) {
    app.get(`/${name}`, (c) => {
      requireScope(c, 'read');
      return c.json(list(), 200);
    });
    app.get(`/${name}/:ident`, (c) => {
      requireScope(c, 'read');
      const found = list().find((r) => r.ident === c.req.param('ident'));
      if (!found) throw notFound(`${name.slice(0, -1)} ${c.req.param('ident')}`);
      return c.json(found, 200);
    });
    app.on(['POST', 'PUT', 'PATCH', 'DELETE'], [`/${name}`, `/${name}/:ident`], () => {
      throw notAllowed(`${name} come from the configuration`);
    });
  }
  return app;
}
