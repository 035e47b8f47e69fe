import type { DeploymentState, EnvironmentStatus } from './deployment-state.js';
import type { GateResult } from './promotions.js';

// Slipway's outgoing lifecycle events. Each is derived from stored state with a deterministic key,
// so that writing the same state twice (a retried store activity, two racing writers) appends the
// event once; its id (a uuid given when it is first written) is what receivers deduplicate on.

export const EventTypes = [
  'artifact.registered',
  'deployment.created',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'promotion.requested',
  'promotion.decided',
  'verification.completed',
  'build.completed',
] as const;
export type EventType = (typeof EventTypes)[number];

/** An event as the state change writes it, before it has an id and a place in the outbox. */
export interface NewEvent {
  /** Unique per fact: the same fact derived again is the same event. */
  key: string;
  type: EventType;
  deploymentId: string | null;
  service: string;
  environment: string | null;
  version: string | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** An artifact as events show it (the registered row, and DeployDB's artifact of a deployment). */
export interface EventArtifact {
  id: number;
  service: string;
  version: string;
  digest: string | null;
  commit: string | null;
  buildId: string | null;
  registeredBy: string;
  createdAt: string;
  /** `group:name` (DeployDB's module); the service's own name for artifacts registered without one. */
  module?: string;
  sourceUrl?: string | null;
}

/** The gate results the promotion work keeps per environment (domain/promotions.ts GateResult). */
const gatesOf = (env: EnvironmentStatus): GateResult[] =>
  (env as EnvironmentStatus & { gates?: GateResult[] }).gates ?? [];

const started = new Set<EnvironmentStatus['state']>(['deploying', 'deployed', 'failed', 'errored']);
const failed = new Set<EnvironmentStatus['state']>(['failed', 'errored']);

/** Leaves of a gate tree that an outside system's result decides: their decisions are verifications. */
function verificationLeaves(gate: GateResult): GateResult[] {
  if (gate.parts?.length) return gate.parts.flatMap(verificationLeaves);
  return gate.type === 'tests-reported' || gate.type === 'reported' ? [gate] : [];
}

/**
 * Every event a deployment snapshot implies, in the order they happened: created; then per
 * environment in pipeline order started, completed or failed, and after the deploy its promotions
 * (requested, verifications, decided). A snapshot that jumps ahead (one lost in between) still
 * yields the events of the states it skipped over.
 */
export function deploymentEvents(
  state: DeploymentState,
  ctx: { createdAt: string; artifact: EventArtifact | null; now: string },
): NewEvent[] {
  const deployment = {
    id: state.id,
    number: state.number,
    service: state.service,
    version: state.version,
    requestor: state.requestor,
    status: state.status,
    phase: state.phase,
    rollbackOf: state.rollbackOf,
    createdAt: ctx.createdAt,
  };
  const base = { deploymentId: state.id, service: state.service, version: state.version };
  const first = state.environments.find((e) => e.state !== 'skipped');
  const out: NewEvent[] = [
    {
      ...base,
      key: `deployment:${state.id}:created`,
      type: 'deployment.created',
      environment: first?.environment ?? state.environment,
      occurredAt: ctx.createdAt,
      payload: { deployment, artifact: ctx.artifact },
    },
  ];
  for (const env of state.environments) {
    const at = (t?: string) => t ?? ctx.now;
    const environment = {
      name: env.environment,
      state: env.state,
      startedAt: env.startedAt ?? null,
      finishedAt: env.finishedAt ?? null,
      message: env.message ?? null,
    };
    const event = (
      key: string,
      type: EventType,
      occurredAt: string,
      extra: Record<string, unknown> = {},
    ): NewEvent => ({
      ...base,
      key: `deployment:${state.id}:${env.environment}:${key}`,
      type,
      environment: env.environment,
      occurredAt,
      payload: { deployment, environment, artifact: ctx.artifact, ...extra },
    });
    const cancelledMidDeploy = env.state === 'cancelled' && env.startedAt !== undefined;
    if (started.has(env.state) || cancelledMidDeploy)
      out.push(event('started', 'deployment.started', at(env.startedAt)));
    if (env.state === 'deployed') out.push(event('completed', 'deployment.completed', at(env.finishedAt)));
    if (failed.has(env.state) || cancelledMidDeploy)
      out.push(event('failed', 'deployment.failed', at(env.finishedAt), { reason: env.message ?? env.state }));

    const gates = gatesOf(env);
    for (const gate of gates) {
      const gateKey = `gate:${gate.name}:${gate.requestedAt}`;
      out.push(event(`${gateKey}:requested`, 'promotion.requested', gate.requestedAt, { gate: requested(gate) }));
      for (const leaf of verificationLeaves(gate))
        if (leaf.status !== 'pending')
          out.push(
            event(`${gateKey}:${leaf.name}:verified`, 'verification.completed', at(leaf.decidedAt), {
              verification: { gate: leaf.name, passed: leaf.status === 'passed', evidence: leaf.evidence },
            }),
          );
      if (gate.status !== 'pending')
        out.push(event(`${gateKey}:decided`, 'promotion.decided', at(gate.decidedAt), { gate }));
    }
    // Octopush's test result, where no tests-reported gate stands for it.
    if (env.tests && !gates.some((g) => verificationLeaves(g).length > 0))
      out.push(
        event(`tests:${env.tests.at}`, 'verification.completed', env.tests.at, {
          verification: {
            gate: 'tests',
            passed: env.tests.passed,
            by: env.tests.by,
            expired: env.tests.expired ?? false,
          },
        }),
      );
  }
  return out;
}

/** A gate as requested: its name, type and parts, not yet any evidence. */
function requested(gate: GateResult): Record<string, unknown> {
  return { name: gate.name, type: gate.type, requestedAt: gate.requestedAt, parts: gate.parts?.map(requested) };
}

export function artifactRegistered(a: EventArtifact): NewEvent {
  return {
    key: `artifact:${a.service}:${a.version}`,
    type: 'artifact.registered',
    deploymentId: null,
    service: a.service,
    environment: null,
    version: a.version,
    occurredAt: a.createdAt,
    payload: { artifact: a },
  };
}

export interface CompletedBuild {
  id: string;
  jobPath: string;
  number: number;
  status: string;
  reason: string | null;
  commit: string | null;
  ref: string | null;
  triggeredBy: string;
  startedAt: string | null;
  finishedAt: string;
}

/** Builds have no service: `service` carries the job path (the Elasticsearch document's grouping). */
export function buildCompleted(b: CompletedBuild): NewEvent {
  return {
    key: `build:${b.id}:completed`,
    type: 'build.completed',
    deploymentId: null,
    service: b.jobPath,
    environment: null,
    version: null,
    occurredAt: b.finishedAt,
    payload: { build: b },
  };
}
