import type { SlipwayConfig } from './config.js';
import { own } from './own.js';

// Artifact modules and their services. A module is DeployDB's `group:name` (or a plain name, the
// service's own artifact); a service lists the modules that belong to it (`artifacts:`), by default
// just its own name. An artifact version is immutable: registered once, never changed.

export interface Module {
  group: string;
  name: string;
}

/** DeployDB's column limits: a longer field is refused (422 in /api, 400 in /v1). */
export const artifactLimits = { group: 8192, name: 8192, version: 255, sourceUrl: 8192, commit: 255, digest: 200 };

export const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function parseModule(module: string): Module | null {
  const m = /^(?:([^:\s]+):)?([^:\s]+)$/.exec(module);
  return m ? { group: m[1] ?? '', name: m[2]! } : null;
}

export const moduleText = (m: Module): string => (m.group ? `${m.group}:${m.name}` : m.name);

/** The modules of a service (its `artifacts:`, or its own name). */
export function modulesOf(config: SlipwayConfig, service: string): string[] {
  return own(config.services, service)?.artifacts ?? [service];
}

/** The services a module belongs to, in configuration order. */
export function servicesOfModule(config: SlipwayConfig, module: string): string[] {
  return Object.keys(config.services).filter((service) => modulesOf(config, service).includes(module));
}

/** What makes an artifact version: the same module and version with other values is another artifact. */
export interface ArtifactFacts {
  module: string;
  version: string;
  digest: string | null;
  commit: string | null;
  sourceUrl: string | null;
}

/** The fields in which a registration differs from the version already registered (none: the same artifact). */
export function differingFields(registered: ArtifactFacts, asked: ArtifactFacts): string[] {
  return (['digest', 'commit', 'sourceUrl'] as const).filter((k) => registered[k] !== asked[k]);
}

/** The idempotency key of the deployment that "artifact ready" requests: one per module and version. */
export const artifactDeploymentKey = (module: string, version: string) => `artifact:${module}:${version}`;
