import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CancelScopes } from '../domain/cancel-policy.js';
import type { DeploymentInput, DeploymentState } from '../domain/deployment-state.js';
import type { DeploymentReport, VerificationReport } from '../domain/external-deploy.js';

// Messages of the deployment workflow, imported by the API, the tests and the workflow itself.
// Updates (with validators) for what a caller waits on: the answer says accepted or refused, and
// the projection is written before the update returns. Signals for facts nobody waits on.

export { correlationId, deploymentWorkflowId, parseCorrelationId } from '../domain/ids.js';
export type { DeploymentInput, DeploymentState };

// How each workflow is started lives in its messages module: the type name, and the start options
// built from a typed input (for `client.workflow.start(type, options)`), so that no caller names a
// workflow type or pairs it with arguments by hand. Messages modules are bundled with the workflow
// code, so they build options and never import @temporalio/client.

export const deploymentWorkflowType = 'deployment';

/**
 * The workflow id is derived from the request (deploymentWorkflowId): the same request twice finds
 * the running deployment, and a closed one with this id is the same, finished, deployment.
 */
export function deploymentStartOptions(
  input: DeploymentInput,
  opts: { taskQueue: string; memo: Record<string, unknown> },
) {
  return {
    workflowId: input.id,
    taskQueue: opts.taskQueue,
    args: [input] as [DeploymentInput],
    memo: opts.memo,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}

export interface TestReport {
  passed: boolean;
  version?: string;
  actor: string;
  /** Recorded with the result, and only if the result is accepted (patch tests-report-url). */
  testJobUrl?: string;
}
export interface TestJobUrl {
  url: string;
  actor: string;
}
export interface Approval {
  actor: string;
  version?: string;
}
export interface CancelRequest {
  actor: string;
  reason?: string;
  /** Octopush only cancels queued jobs; the native API also cancels waits. */ octopushRules: boolean;
  /**
   * The cancel scopes the caller holds for this service; the validator checks them against the state
   * it holds (domain/cancel-policy.ts). Absent in cancels sent before they were carried: allowed.
   */
  scopes?: CancelScopes;
}
/** `duplicate` means the same fact was already recorded: acknowledged, nothing changed. */
export interface UpdateAnswer {
  duplicate: boolean;
  state: DeploymentState;
}

export const reportTestsUpdate = defineUpdate<UpdateAnswer, [TestReport]>('reportTests');
/** An external deployer's outside system: STARTED, COMPLETED or FAILED (domain/external-deploy.ts). */
export const reportDeploymentUpdate = defineUpdate<UpdateAnswer, [DeploymentReport]>('reportDeployment');
export const reportVerificationUpdate = defineUpdate<UpdateAnswer, [VerificationReport]>('reportVerification');
export type { DeploymentReport, VerificationReport };
export const registerTestJobUrlUpdate = defineUpdate<UpdateAnswer, [TestJobUrl]>('registerTestJobUrl');
export const approveUpdate = defineUpdate<UpdateAnswer, [Approval]>('approve');
export const cancelUpdate = defineUpdate<UpdateAnswer, [CancelRequest]>('cancel');

export interface LockGrant {
  environment: string;
  requestId: string;
}
export const lockGrantedSignal = defineSignal<[LockGrant]>('lockGranted');

/** From the Jenkins Notification plugin: look at the build now instead of at the next poll. */
export interface JenkinsNotice {
  environment: string;
  phase: string;
  buildNumber?: number;
}
export const jenkinsNotifiedSignal = defineSignal<[JenkinsNotice]>('jenkinsNotified');

// Promotion gates (workflows/deployment.gate-handlers.ts). An approval or rejection names what it is
// bound to (environment, gate, version); the workflow is the service's deployment.
export interface GateDecisionMessage {
  environment: string;
  gate: string;
  version: string;
  actor: string;
  teams?: string[];
  reason?: string;
  via?: 'api' | 'ui';
}
export const approveGateUpdate = defineUpdate<UpdateAnswer, [GateDecisionMessage]>('approveGate');
export const rejectGateUpdate = defineUpdate<UpdateAnswer, [GateDecisionMessage]>('rejectGate');

/** An outside system's result for a `reported` gate (DeployDB's POST /api/deployments/:id/promotions). */
export interface PromotionReport {
  /** Absent: the environment whose gates are pending. */
  environment?: string;
  name: string;
  status: string;
  passed: boolean;
  infoUrl?: string;
  actor: string;
}
export const reportPromotionUpdate = defineUpdate<UpdateAnswer, [PromotionReport]>('reportPromotion');

/**
 * Signals for operators (the Temporal Web UI's "Send a Signal", `temporal workflow signal`): whoever
 * reaches Temporal is trusted with the name they give. A refused signal is recorded in the state
 * (refusedSignals) with its reason, since a signal has no answer.
 */
export interface ApproveSignal {
  by: string;
  reason?: string;
  version?: string;
}
export interface TestResultSignal {
  passed: boolean;
  by: string;
  version?: string;
}
export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const testResultSignal = defineSignal<[TestResultSignal]>('testResult');

export const stateQuery = defineQuery<DeploymentState>('state');
