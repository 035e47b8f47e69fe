import type { DeploymentInput, DeploymentState } from '../domain/deployment-state.js';
import type { ServicePlan } from '../domain/service-plan.js';

// What the parts of one deployment run share: deployment.ts (the main loop), its message handlers
// (deployment.handlers.ts), its lock requests (deployment.lock.ts), its deploys (deployment.deploy.ts,
// which runs the deployers of deployment.deployers.ts and deployment.jenkins-deployer.ts) and its
// waits (deployment.waits.ts). Handlers change the state while the loop awaits its own steps.

export interface DeploymentRun {
  input: DeploymentInput;
  plan: ServicePlan;
  state: DeploymentState;
  /** Environments whose lock was granted. */
  granted: Set<string>;
  /** Environments whose lock this run holds (with fromFacts, from its request on): released on every way out. */
  held: Set<string>;
  /** Jenkins notices received, per environment. */
  notices: Map<string, number>;
  /** Patch deployment-decides-from-facts: the loop decides from facts, not from the phase it set before an await. */
  fromFacts: boolean;
  /** Projects the state to Postgres. */
  record(): Promise<void>;
  finished(): boolean;
  /** Enough Go Live approvals are in. */
  goLiveGiven(): boolean;
}

export const now = () => new Date().toISOString();
