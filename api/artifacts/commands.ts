import { registerArtifact, type ArtifactRow, type Registration } from '../../db/artifacts.js';
import {
  artifactDeploymentKey,
  artifactLimits,
  digestPattern,
  modulesOf,
  parseModule,
  servicesOfModule,
} from '../../domain/artifacts.js';
import { own } from '../../domain/own.js';
import type { DeploymentCommands } from '../deployments/commands.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, conflict } from '../errors.js';
import { can, type Principal } from '../middleware/auth.js';
import { forbidden } from '../errors.js';
import { scopeWording } from '../../domain/scopes.js';

// Registering an artifact version, behind both /v1/artifacts and DeployDB's /api/artifacts: which
// service a module belongs to, immutability, and the inbound trigger ("artifact ready" requests a
// deployment of every owning service that says `deployOnArtifact: true`).

export interface ArtifactRequest {
  service?: string;
  module?: string;
  version: string;
  digest?: string;
  commit?: string;
  sourceUrl?: string;
}

export interface Registered {
  registration: Registration;
  /** Deployments requested by this artifact (new or, for a repeat, the same ones again). */
  deployments: Array<{ id: string; number: number; service: string }>;
}

/** The field at fault and why; the routes answer 400 (/v1) or 422 (/api). */
export class ArtifactFieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

function checkFields(req: ArtifactRequest): void {
  for (const key of ['version', 'digest', 'commit', 'sourceUrl'] as const) {
    const value = req[key];
    const limit = artifactLimits[key];
    if (value !== undefined && value.length > limit) throw new ArtifactFieldError(key, `at most ${limit} characters`);
  }
  if (req.digest !== undefined && !digestPattern.test(req.digest))
    throw new ArtifactFieldError('digest', 'a sha256 digest: "sha256:" and 64 lowercase hex digits');
  if (req.sourceUrl !== undefined && !/^https?:\/\/\S+$/.test(req.sourceUrl))
    throw new ArtifactFieldError('sourceUrl', 'an http(s) URL');
}

/** The module and the services it belongs to (the named service first). */
function resolve(deps: ApiDeps, req: ArtifactRequest): { module: string; owners: string[] } {
  const { config } = deps;
  if (req.service !== undefined && !own(config.services, req.service))
    throw new ArtifactFieldError('service', `unknown service "${req.service}"`);
  if (req.module !== undefined) {
    if (!parseModule(req.module)) throw new ArtifactFieldError('module', 'a module "group:name" or a plain name');
    const owners = servicesOfModule(config, req.module);
    if (req.service !== undefined) {
      if (!owners.includes(req.service))
        throw new ArtifactFieldError('module', `"${req.module}" is not among ${req.service}'s artifacts`);
      return { module: req.module, owners: [req.service, ...owners.filter((s) => s !== req.service)] };
    }
    if (owners.length === 0)
      throw new ArtifactFieldError('module', `no service lists "${req.module}" in its artifacts`);
    return { module: req.module, owners };
  }
  if (req.service === undefined) throw new ArtifactFieldError('service', 'required (or module)');
  const modules = modulesOf(config, req.service);
  if (modules.length !== 1)
    throw new ArtifactFieldError('module', `required: ${req.service} has several artifacts (${modules.join(', ')})`);
  return { module: modules[0]!, owners: servicesOfModule(config, modules[0]!) };
}

export function createArtifactCommands(deps: ApiDeps, deployments: DeploymentCommands) {
  /** The same artifact again starts nothing new: the deployment's key is the module and version. */
  async function trigger(row: ArtifactRow, module: string, owners: string[], actor: string) {
    const started: Registered['deployments'] = [];
    for (const service of owners) {
      if (!own(deps.config.services, service)?.deployOnArtifact) continue;
      const { row: deployment } = await deployments.request({
        service,
        version: row.version,
        key: artifactDeploymentKey(module, row.version),
        requestor: `artifact:${module}`,
        actor,
      });
      started.push({ id: deployment.id, number: deployment.number, service });
    }
    return started;
  }

  return {
    /** Throws ArtifactFieldError for bad input, 403 for a missing scope, 409 for another artifact under this version. */
    async register(req: ArtifactRequest, principal: Principal): Promise<Registered> {
      checkFields(req);
      const { module, owners } = resolve(deps, req);
      const service = owners[0]!;
      if (!can(principal, 'deploy:request', service)) throw forbidden(scopeWording('deploy:request', service));
      const registration = await registerArtifact(deps.db, {
        service,
        module,
        version: req.version,
        digest: req.digest ?? null,
        commit: req.commit ?? null,
        sourceUrl: req.sourceUrl ?? null,
        registeredBy: principal.name,
      });
      if (registration.outcome === 'conflict')
        throw conflict(
          `${module} ${req.version} is registered already with another ${registration.differing.join(', ')}; an artifact never changes`,
          { differing: registration.differing },
        );
      return { registration, deployments: await trigger(registration.row, module, owners, principal.name) };
    },
  };
}

export type ArtifactCommands = ReturnType<typeof createArtifactCommands>;

/** /v1's answer to a bad field. */
export const asBadRequest = (err: unknown): never => {
  if (err instanceof ArtifactFieldError) throw badRequest(err.field, err.reason);
  throw err;
};
