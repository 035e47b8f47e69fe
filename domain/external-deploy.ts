import { envStatus, touch, type DeploymentState } from './deployment-state.js';
import type { Check } from './deployment-rules.js';

// Deployers Slipway does not run (`type: external`): the outside system reports its progress, as
// DeployDB's deployers PATCH a deployment's status, and may report "verification completed". The
// transitions are DeployDB's: CREATED → STARTED | COMPLETED | FAILED, STARTED → COMPLETED | FAILED.

export type ExternalStatus = 'CREATED' | 'STARTED' | 'COMPLETED' | 'FAILED';
export const reportableStatuses = ['STARTED', 'COMPLETED', 'FAILED'] as const;
export type ReportableStatus = (typeof reportableStatuses)[number];

const next: Record<ExternalStatus, readonly ExternalStatus[]> = {
  CREATED: ['STARTED', 'COMPLETED', 'FAILED'],
  STARTED: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
};

export interface DeploymentReport {
  environment: string;
  status: ReportableStatus;
  actor: string;
  message?: string;
}

export interface VerificationReport {
  environment: string;
  passed: boolean;
  infoUrl?: string;
  actor: string;
}

const refuse = (reason: string): Check => ({ ok: false, reason });

export function checkDeploymentReport(state: DeploymentState, report: DeploymentReport): Check {
  const env = state.environments.find((e) => e.environment === report.environment);
  if (!env) return refuse(`deployment ${state.id} has no environment ${report.environment}`);
  const from = env.external?.status;
  if (!from) return refuse(`${report.environment} is not waiting for an outside deployer (it is ${env.state})`);
  if (from === report.status) return { ok: true, duplicate: true };
  if (!next[from].includes(report.status))
    return refuse(`${report.environment}: ${from} → ${report.status} is not an allowed transition`);
  return { ok: true, duplicate: false };
}

export function applyDeploymentReport(state: DeploymentState, report: DeploymentReport, now: string): void {
  const env = envStatus(state, report.environment);
  env.external = {
    status: report.status,
    at: now,
    by: report.actor,
    ...(report.message !== undefined ? { message: report.message } : {}),
  };
  if (report.status === 'STARTED' && state.waitingOn?.kind === 'deployer')
    state.waitingOn = { ...state.waitingOn, detail: `outside deployer started (${report.actor})` };
  touch(state);
}

/** Verification follows a deploy; a result, once in, never changes. */
export function checkVerification(state: DeploymentState, report: VerificationReport): Check {
  const env = state.environments.find((e) => e.environment === report.environment);
  if (!env) return refuse(`deployment ${state.id} has no environment ${report.environment}`);
  if (env.verification)
    return env.verification.passed === report.passed
      ? { ok: true, duplicate: true }
      : refuse(
          `verification of ${report.environment} was already reported as ${env.verification.passed ? 'passed' : 'failed'}`,
        );
  if (env.state !== 'deployed') return refuse(`${report.environment} is not deployed (it is ${env.state})`);
  return { ok: true, duplicate: false };
}

export function applyVerification(state: DeploymentState, report: VerificationReport, now: string): void {
  const env = envStatus(state, report.environment);
  env.verification = {
    passed: report.passed,
    by: report.actor,
    at: now,
    ...(report.infoUrl !== undefined ? { infoUrl: report.infoUrl } : {}),
  };
  touch(state);
}

/** DeployDB's status of one environment of a deployment, seen from its state. */
export function deploydbStatus(env: DeploymentState['environments'][number]): ExternalStatus {
  if (env.external) return env.external.status;
  if (env.state === 'deploying') return 'STARTED';
  if (env.state === 'deployed') return 'COMPLETED';
  if (env.state === 'failed' || env.state === 'errored' || env.state === 'cancelled') return 'FAILED';
  return 'CREATED';
}
