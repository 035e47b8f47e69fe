// Deployment snapshots as the workflow's store activity writes them, moved step by step, for tests
// and benches of what Postgres derives from them (events, the record).
import type { DeploymentState, EnvironmentStatus } from '../../domain/deployment-state.js';

export function requestedSnapshot(id: string, service = 'checkout', version = '1.0.0', number = 1): DeploymentState {
  const at = new Date().toISOString();
  return {
    id,
    number,
    service,
    version,
    requestor: 'alice',
    status: 'QUEUED',
    phase: 'queued',
    outcome: null,
    environment: 'preprod',
    environments: [
      { environment: 'preprod', state: 'pending' },
      { environment: 'live', state: 'pending' },
    ],
    waitingOn: null,
    approvals: [],
    testJobUrl: null,
    rollbackOf: null,
    transitions: [{ seq: 1, from: null, to: 'QUEUED', phase: 'queued', actor: 'alice', reason: 'requested', at }],
    seq: 1,
  };
}

/** The next snapshot: a copy with one environment changed and the seq bumped. */
export function advance(
  s: DeploymentState,
  environment: string,
  change: Partial<EnvironmentStatus> & Record<string, unknown>,
): DeploymentState {
  const next = structuredClone(s);
  const env = next.environments.find((e) => e.environment === environment)!;
  Object.assign(env, change);
  next.environment = environment;
  next.seq += 1;
  return next;
}

/** preprod deploying → deployed → live deploying → deployed: the snapshots in order. */
export function happyPath(id: string, service = 'checkout', version = '1.0.0', number = 1): DeploymentState[] {
  const t = () => new Date().toISOString();
  const s0 = requestedSnapshot(id, service, version, number);
  const s1 = advance(s0, 'preprod', { state: 'deploying', startedAt: t() });
  const s2 = advance(s1, 'preprod', { state: 'deployed', finishedAt: t() });
  const s3 = advance(s2, 'live', { state: 'deploying', startedAt: t() });
  const s4 = advance(s3, 'live', { state: 'deployed', finishedAt: t() });
  return [s0, s1, s2, s3, s4];
}
