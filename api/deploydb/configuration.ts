import { Hono } from 'hono';
import { modulesOf } from '../../domain/artifacts.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { own } from '../../domain/own.js';
import { pipelineStages } from '../../domain/pipelines.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireScope, type AuthEnv } from '../middleware/auth.js';
import { notAllowed } from './protocol.js';

// DeployDB's configuration resources, read-only views of Slipway's configuration: environments,
// pipelines, promotions and services, listed and read by ident. Named pipelines and promotions appear
// under their names; a service's own list of environments is the pipeline named after the service,
// and the default list the pipeline "default". Where a pipeline names no promotions, Slipway's
// built-in ones stand between its environments: the test result ("tests") after each pre-live
// environment and Go Live ("go-live") before the last.

const builtIn = {
  tests: { ident: 'tests', type: 'tests-reported', description: 'the test result reported for this version' },
  'go-live': { ident: 'go-live', type: 'manual', description: 'Go Live approval by the service approvers' },
};

function pipelineIdent(config: SlipwayConfig, service: string): string {
  const chosen = own(config.services, service)?.pipeline;
  if (chosen === undefined) return 'default';
  return typeof chosen === 'string' ? chosen : service;
}

const anonymous = (ident: string, environments: string[]) => ({
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

function pipelines(config: SlipwayConfig) {
  const named = Object.entries(config.pipelines).map(([ident, p]) => ({
    ident,
    description: null,
    environments: Object.fromEntries(p.environments.map((s) => [s.environment, { promotions: s.promotions }])),
  }));
  const own = Object.entries(config.services).flatMap(([name, svc]) =>
    Array.isArray(svc.pipeline) ? [anonymous(name, svc.pipeline)] : [],
  );
  const fallback = Array.isArray(config.pipeline) ? [anonymous('default', config.pipeline)] : [];
  return [...fallback, ...named, ...own];
}

function promotions(config: SlipwayConfig) {
  const named = Object.entries(config.promotions).map(([ident, p]) => ({ ident, description: null, ...p }));
  return [...Object.values(builtIn).filter((b) => !own(config.promotions, b.ident)), ...named];
}

function services(config: SlipwayConfig) {
  return Object.keys(config.services).map((ident) => {
    const stages = pipelineStages(config, ident) ?? [];
    const named = [...new Set(stages.flatMap((s) => s.promotions))];
    return {
      ident,
      description: null,
      artifacts: modulesOf(config, ident),
      pipelines: [pipelineIdent(config, ident)],
      promotions: named.length > 0 ? named : Object.keys(builtIn),
    };
  });
}

function environments(config: SlipwayConfig) {
  return Object.keys(config.environments).map((ident) => ({ ident, description: null, webhook: null }));
}

export function deploydbConfiguration(deps: ApiDeps) {
  const app = new Hono<AuthEnv>();
  const resources: Record<string, () => Array<{ ident: string }>> = {
    environments: () => environments(deps.config),
    pipelines: () => pipelines(deps.config),
    promotions: () => promotions(deps.config),
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
