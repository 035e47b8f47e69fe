import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiDeps } from '../../api/deps.js';
import { cancelRights, requireLiveRights } from '../../api/deployments/rights.js';
import { ApiError } from '../../api/errors.js';
import { requireScope } from '../../api/middleware/auth.js';
import type { DeploymentRow } from '../../db/deployments.js';
import { servicePlan } from '../../domain/service-plan.js';
import type { UiCommands } from '../app.js';
import type { UiEnv } from '../env.js';
import { PageError, SignInRequired } from '../errors.js';
import { deploymentHref } from './bits.js';

// The buttons of a deployment page: each runs the API route's own checks (requireScope, cancelRights,
// requireLiveRights) and then the very command the API route calls, as the session's principal. The
// answer is where the browser goes next; a refusal is thrown for the page to show.

export interface Refusal {
  status: ContentfulStatusCode;
  message: string;
}

export type DeploymentAction = (c: Context<UiEnv>, row: DeploymentRow) => Promise<string>;

const REASON_MAX = 500;

/** The form's reason: when the page asks for one, an empty one is refused with the field named. */
export async function reasonOf(c: Context<UiEnv>, required: false): Promise<string | undefined>;
export async function reasonOf(c: Context<UiEnv>, required?: true): Promise<string>;
export async function reasonOf(c: Context<UiEnv>, required = true): Promise<string | undefined> {
  const value = (await c.req.parseBody()).reason;
  const reason = typeof value === 'string' ? value.trim() : '';
  if (!reason && !required) return undefined;
  if (!reason) throw new PageError(400, 'Bad request', 'reason: say why (it is recorded in the timeline).');
  if (reason.length > REASON_MAX) throw new PageError(400, 'Bad request', `reason: at most ${REASON_MAX} characters.`);
  return reason;
}

export function deploymentActions(deps: Pick<ApiDeps, 'config'>, commands: UiCommands) {
  const goLive: DeploymentAction = async (c, row) => {
    const principal = requireScope(c, 'deploy:approve', row.service);
    // Bound to the version the page showed: a Go Live never approves a version nobody looked at.
    await commands.deployments.approve(row.id, { actor: principal.name, version: row.version });
    return deploymentHref(row);
  };

  const cancel: DeploymentAction = async (c, row) => {
    const { principal, scopes } = cancelRights(c, row);
    const reason = await reasonOf(c);
    await commands.deployments.cancel(row.id, { actor: principal.name, reason, octopushRules: false, scopes });
    return deploymentHref(row);
  };

  const rollback: DeploymentAction = async (c, row) => {
    const principal = requireScope(c, 'deploy:approve', row.service);
    const plan = servicePlan(deps.config, row.service);
    if (plan) requireLiveRights(c, deps.config, plan);
    const reason = await reasonOf(c);
    const { row: next } = await commands.deployments.rollback(row.id, principal.name, 'previous', reason);
    return deploymentHref(next);
  };

  return { 'go-live': goLive, cancel, rollback };
}

/** A refusal to show on the deployment page; a missing sign-in goes to /login and back. */
export function refusalOf(err: unknown, row: DeploymentRow): Refusal {
  if (err instanceof ApiError && err.status === 401) throw new SignInRequired(deploymentHref(row));
  if (err instanceof ApiError || err instanceof PageError) return { status: err.status, message: err.message };
  throw err;
}
