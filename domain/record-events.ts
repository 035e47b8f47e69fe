import type { DeploymentState, EnvironmentStatus } from './deployment-state.js';

// What a deployment snapshot says happened in each environment, as append-only events for the
// environment x version record. Derived from the snapshot alone, with stable keys, so a retried or
// re-ordered projection appends nothing twice and the record can be rebuilt from stored snapshots.

export type RecordEventKind =
  'queued' | 'deploying' | 'deployed' | 'failed' | 'errored' | 'cancelled' | 'waiting' | 'finished';

export interface RecordEvent {
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  kind: RecordEventKind;
  key: string;
  detail: Record<string, unknown> | null;
  at: string;
}

const endKinds: Partial<Record<EnvironmentStatus['state'], RecordEventKind>> = {
  deployed: 'deployed',
  failed: 'failed',
  errored: 'errored',
  cancelled: 'cancelled',
};

/** The moment of the snapshot: its newest transition (workflow time), which replays identically. */
const snapshotAt = (state: DeploymentState): string => state.transitions.at(-1)?.at ?? new Date(0).toISOString();

export function recordEventsOf(state: DeploymentState): RecordEvent[] {
  const base = { deploymentId: state.id, service: state.service, version: state.version };
  const events: RecordEvent[] = [];
  const add = (
    environment: string,
    kind: RecordEventKind,
    at: string,
    key = '',
    detail: RecordEvent['detail'] = null,
  ) => events.push({ ...base, environment, kind, key, detail, at });
  for (const env of state.environments) {
    if (env.queuedAt) add(env.environment, 'queued', env.queuedAt);
    if (env.startedAt) add(env.environment, 'deploying', env.startedAt);
    const end = endKinds[env.state];
    if (end && env.finishedAt)
      add(env.environment, end, env.finishedAt, '', env.message ? { message: env.message } : null);
  }
  const wait = state.waitingOn;
  // A wait for a lock is the queued event already; the others (tests, approval, gates) are worth a cell's note.
  if (wait && wait.kind !== 'lock' && wait.kind !== 'deployer') {
    const { kind, environment, ...rest } = wait;
    add(environment, 'waiting', snapshotAt(state), `${kind}@${state.transitions.length}`, { on: kind, ...rest });
  }
  if (state.phase === 'finished')
    add(state.environment, 'finished', snapshotAt(state), '', {
      status: state.status,
      outcome: state.outcome?.status ?? null,
      message: state.outcome?.message ?? null,
    });
  return events;
}
