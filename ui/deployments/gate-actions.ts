import type { ApiDeps } from '../../api/deps.js';
import { gateDecision, refuseSuperseded } from '../../api/deployments/gate-rights.js';
import { requireScope } from '../../api/middleware/auth.js';
import type { UiCommands } from '../app.js';
import { reasonOf, type DeploymentAction } from './actions.js';
import { deploymentHref } from './bits.js';

// A manual gate's Approve and Reject buttons: the /v1 gate routes' checks and decision message,
// then the same command, as the session's principal (recorded as decided via the dashboard). Keyed
// by the path below /deployments/:ref, as the page's other actions are.

export const gatePath = (target: { environment: string; gate: string }, kind: 'approve' | 'reject') =>
  `gates/${encodeURIComponent(target.environment)}/${encodeURIComponent(target.gate)}/${kind}`;

export function gateActions(deps: Pick<ApiDeps, 'db'>, commands: UiCommands): Record<string, DeploymentAction> {
  const decide =
    (kind: 'approve' | 'reject'): DeploymentAction =>
    async (c, row) => {
      const principal = requireScope(c, 'deploy:approve', row.service);
      const reason = kind === 'reject' ? await reasonOf(c) : await reasonOf(c, false);
      await refuseSuperseded(deps.db, row);
      const target = { environment: c.req.param('environment') ?? '', gate: c.req.param('gate') ?? '' };
      // Bound to the version the page showed, as Go Live is.
      const decision = gateDecision(principal, row, target, { version: row.version, reason }, 'ui');
      await commands.deployments.decideGate(row.id, decision, kind);
      return deploymentHref(row);
    };
  return { 'gates/:environment/:gate/approve': decide('approve'), 'gates/:environment/:gate/reject': decide('reject') };
}
