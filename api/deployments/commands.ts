import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  deleteDeployment,
  findDeployment,
  insertRequestedDeployment,
  releasesOf,
  rowState,
  type DeploymentRow,
} from '../../db/deployments.js';
import { checkApproval, checkCancel, checkTestReport, type Check } from '../../domain/deployment-rules.js';
import { initialState, type DeploymentState } from '../../domain/deployment-state.js';
import { ErrorType } from '../../domain/errors.js';
import { deploymentWorkflowId } from '../../domain/ids.js';
import { liveEnvironment, servicePlan, type ServicePlan } from '../../domain/service-plan.js';
import { logger } from '../../infra/logger.js';
import {
  approveUpdate,
  cancelUpdate,
  deploymentStartOptions,
  deploymentWorkflowType,
  registerTestJobUrlUpdate,
  reportTestsUpdate,
  type CancelRequest,
  type UpdateAnswer,
} from '../../workflows/deployment.messages.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, badRequest, conflict, notFound, unavailable } from '../errors.js';
import { own } from '../../domain/own.js';

// The deployment use cases behind both the native /v1 routes and the Octopush facade.

export interface DeploymentRequest {
  service: string;
  version: string;
  requestor?: string;
  environment?: string;
  key?: string;
  actor: string;
}

export interface Requested {
  created: boolean;
  row: DeploymentRow;
}

/** An approval by this actor is already recorded (and the version, if named, is this deployment's). */
function repeatsApproval(state: DeploymentState, approval: { actor: string; version?: string }): boolean {
  return (
    (approval.version === undefined || approval.version === state.version) &&
    state.approvals.some((a) => a.by === approval.actor)
  );
}

export function createDeploymentCommands(deps: ApiDeps) {
  const { db, temporal, config, taskQueue } = deps;

  /** Starts the workflow if it is not running; a closed one with this id is the same, finished, deployment. */
  async function ensureStarted(row: DeploymentRow, plan: ServicePlan, startAtLast: boolean, reason?: string) {
    try {
      const input = {
        id: row.id,
        number: row.number,
        version: row.version,
        requestor: row.requestor,
        plan,
        startAtLast,
        rollbackOf: row.rollbackOf,
        heartbeatMs: deps.heartbeatMs,
        ...(reason ? { reason } : {}),
      };
      await temporal.workflow.start(
        deploymentWorkflowType,
        deploymentStartOptions(input, {
          taskQueue,
          memo: { service: row.service, version: row.version, number: row.number },
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async function start(
    req: DeploymentRequest,
    opts: { startAtLast: boolean; rollbackOf: string | null; reason?: string },
  ): Promise<Requested> {
    if (!own(config.services, req.service)) throw badRequest('service', `unknown service "${req.service}"`);
    const plan = servicePlan(config, req.service, req.environment);
    if (!plan)
      throw badRequest('environment', `"${req.environment}" is not an environment of ${req.service}'s pipeline`);
    const id = deploymentWorkflowId(taskQueue, req.service, req.version, req.key ?? randomUUID());
    const requestor = req.requestor ?? req.actor;
    const first = initialState(
      {
        id,
        number: 0,
        version: req.version,
        requestor,
        plan,
        startAtLast: opts.startAtLast,
        rollbackOf: opts.rollbackOf,
        reason: opts.reason,
      },
      new Date().toISOString(),
    );
    const inserted = await insertRequestedDeployment(db, first, { service: req.service, requestKey: req.key ?? id });
    const row = inserted ?? (await findDeployment(db, id))!;
    try {
      await ensureStarted(row, plan, opts.startAtLast, opts.reason);
    } catch (err) {
      // Never leave a deployment row that no workflow will ever move.
      if (inserted) await deleteDeployment(db, id);
      logger.error({ err, deploymentId: id }, 'could not start deployment workflow');
      throw unavailable('Temporal did not accept the deployment; nothing was recorded, try again');
    }
    if (inserted)
      logger.info(
        { deploymentId: id, number: row.number, service: req.service, version: req.version, actor: req.actor },
        'deployment requested',
      );
    return { created: Boolean(inserted), row };
  }

  /**
   * Sends an Update; a refusal comes back as 409 with the validator's reason. A finished workflow
   * takes no Updates, so the same rule is applied to its projection: a repeat is acknowledged.
   */
  async function update(
    ref: string,
    send: (h: ReturnType<typeof temporal.workflow.getHandle>) => Promise<UpdateAnswer>,
    judgeFinished: (s: DeploymentState) => Check,
    repeatsSettledFact: (s: DeploymentState) => boolean = () => false,
  ): Promise<{ duplicate: boolean; row: DeploymentRow }> {
    const row = await findDeployment(db, ref);
    if (!row) throw notFound(`deployment ${ref}`);
    // A fact that can never be undone (this actor's Go Live, a cancel) is answered from the
    // projection: a polling script's repeats never reach the workflow at all.
    if (repeatsSettledFact(rowState(row))) return { duplicate: true, row };
    try {
      const answer = await send(temporal.workflow.getHandle(row.id));
      return { duplicate: answer.duplicate, row: (await findDeployment(db, row.id))! };
    } catch (err) {
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === ErrorType.DuplicateMessage
      ) {
        return { duplicate: true, row: (await findDeployment(db, row.id))! };
      }
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === ErrorType.Forbidden
      ) {
        throw new ApiError(403, 'forbidden', err.cause.message);
      }
      if (err instanceof WorkflowUpdateFailedError)
        throw conflict(err.cause?.message ?? err.message, { status: row.status });
      if (
        err instanceof WorkflowNotFoundError ||
        (err instanceof Error && /already completed|not found/i.test(err.message))
      ) {
        const fresh = (await findDeployment(db, row.id))!;
        const check = judgeFinished(rowState(fresh));
        if (check.ok) return { duplicate: true, row: fresh };
        if (check.needs) throw new ApiError(403, 'forbidden', check.reason);
        throw conflict(check.reason, { status: fresh.status });
      }
      throw err;
    }
  }

  return {
    request: (req: DeploymentRequest) => start(req, { startAtLast: false, rollbackOf: null }),

    reportTests: (ref: string, report: { passed: boolean; version?: string; actor: string; testJobUrl?: string }) =>
      update(
        ref,
        (h) => h.executeUpdate(reportTestsUpdate, { args: [report] }),
        (s) => checkTestReport(s, report),
      ),

    registerTestJobUrl: (ref: string, url: string, actor: string) =>
      update(
        ref,
        (h) => h.executeUpdate(registerTestJobUrlUpdate, { args: [{ url, actor }] }),
        (s) =>
          s.testJobUrl === url
            ? { ok: true, duplicate: true }
            : { ok: false, reason: `deployment is finished (${s.status})` },
      ),

    approve: (ref: string, approval: { actor: string; version?: string }) =>
      update(
        ref,
        (h) => h.executeUpdate(approveUpdate, { args: [approval] }),
        (s) => checkApproval(s, servicePlan(config, s.service)!, approval),
        (s) => repeatsApproval(s, approval),
      ),

    /** `scopes`: the caller's cancel scopes for the service; the workflow's validator decides with them. */
    cancel: (ref: string, req: CancelRequest) =>
      update(
        ref,
        (h) => h.executeUpdate(cancelUpdate, { args: [req] }),
        (s) => checkCancel(s, req),
        (s) => {
          const check = checkCancel(s, req);
          return check.ok && check.duplicate;
        },
      ),

    /**
     * Octopush: redeploy this (once live) job's version straight to live. Native: redeploy the
     * version that was live before this one. Either way a new deployment, queued for live; `reason`
     * is kept in its first transition.
     */
    async rollback(ref: string, actor: string, mode: 'octopush' | 'previous', reason?: string): Promise<Requested> {
      const row = await findDeployment(db, ref);
      if (!row) throw notFound(`deployment ${ref}`);
      if (row.status !== 'GO_LIVE_DONE')
        throw conflict(`only a deployment that went live can be rolled back (status ${row.status})`, {
          status: row.status,
        });
      const plan = servicePlan(config, row.service);
      if (!plan) throw conflict(`service ${row.service} is no longer configured`);
      const history = await releasesOf(db, liveEnvironment(plan), row.service);
      const current = history[0];
      let version = row.version;
      if (mode === 'previous') {
        if (current?.deploymentId !== row.id)
          throw conflict(
            `only the current live deployment of ${row.service} can be rolled back; live now: ${current?.version ?? 'nothing'}`,
          );
        const previous = history.find((r) => r.version !== row.version);
        if (!previous) throw conflict(`${row.service} has no earlier live version to roll back to`);
        version = previous.version;
      }
      return start(
        {
          service: row.service,
          version,
          actor,
          requestor: actor,
          key: `rollback:${row.id}:from:${current?.deploymentId ?? 'none'}`,
        },
        { startAtLast: true, rollbackOf: row.id, reason },
      );
    },
  };
}

export type DeploymentCommands = ReturnType<typeof createDeploymentCommands>;
