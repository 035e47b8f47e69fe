import type { EventArtifact, EventType } from './events.js';
import type { GateResult } from './promotions.js';

// DeployDB's webhooks (its WebhookManager and webhook mappers): `deployment.created|started|
// completed|verified` and `promotion.completed`, each POSTed with DeployDB's deployment JSON
// `{id, artifact, service, environment, createdAt, status}` (a promotion adds `promotionResult`).
// A deploydb-format subscriber gets only the events DeployDB has a name for.

/** Slipway event type → DeployDB webhook event (a failed deploy is DeployDB's completed with status FAILED). */
export const deploydbEventNames: Partial<Record<EventType, string>> = {
  'deployment.created': 'deployment.created',
  'deployment.started': 'deployment.started',
  'deployment.completed': 'deployment.completed',
  'deployment.failed': 'deployment.completed',
  'verification.completed': 'deployment.verified',
  'promotion.decided': 'promotion.completed',
};

export const deploydbEventTypes = Object.keys(deploydbEventNames) as EventType[];

const statusOf: Partial<Record<EventType, string>> = {
  'deployment.created': 'CREATED',
  'deployment.started': 'STARTED',
  'deployment.completed': 'COMPLETED',
  'deployment.failed': 'FAILED',
  'verification.completed': 'VERIFIED',
  'promotion.decided': 'VERIFIED',
};

/** DeployDB names an artifact by group and name: Slipway's `group:name` module, or a plain service as the name. */
function deploydbArtifact(a: EventArtifact | null, service: string, version: string | null) {
  const module = a?.module ?? service;
  const [group, name] = module.includes(':')
    ? [module.slice(0, module.indexOf(':')), module.slice(module.indexOf(':') + 1)]
    : ['', module];
  return {
    id: a?.id ?? null,
    group,
    name,
    version: a?.version ?? version,
    sourceUrl: a?.sourceUrl ?? null,
    createdAt: a?.createdAt ?? null,
  };
}

interface StoredEvent {
  type: EventType;
  service: string;
  environment: string | null;
  version: string | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** DeployDB's body for a Slipway event; null when DeployDB has no such event. */
export function deploydbBody(e: StoredEvent): Record<string, unknown> | null {
  const status = statusOf[e.type];
  if (!status) return null;
  const deployment = e.payload.deployment as { number: number; createdAt: string } | undefined;
  const body: Record<string, unknown> = {
    id: deployment?.number ?? null,
    artifact: deploydbArtifact((e.payload.artifact as EventArtifact | null) ?? null, e.service, e.version),
    service: e.service,
    environment: e.environment,
    createdAt: deployment?.createdAt ?? e.occurredAt,
    status,
  };
  if (e.type === 'promotion.decided') {
    const gate = e.payload.gate as GateResult;
    const info = gate.evidence.find((x) => ('url' in x && x.url) || ('infoUrl' in x && x.infoUrl));
    body.promotionResult = {
      promotion: gate.name,
      status: gate.status === 'passed' ? 'SUCCESS' : 'FAILED',
      infoUrl: info ? ('url' in info ? info.url : 'infoUrl' in info ? (info.infoUrl ?? null) : null) : null,
      createdAt: gate.decidedAt ?? e.occurredAt,
    };
  }
  return body;
}
