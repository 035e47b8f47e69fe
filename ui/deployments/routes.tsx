import { Hono, type Context } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { deploymentDetail, temporalLink } from '../../api/deployments/view.js';
import {
  findDeployment,
  listDeploymentSummaries,
  supersedingDeployment,
  type DeploymentRow,
} from '../../db/deployments.js';
import { gateDecisionsAllowed } from '../../api/deployments/gate-rights.js';
import { boardEnvironments } from '../../domain/board-environments.js';
import type { UiCommands } from '../app.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { deploymentActions, refusalOf, type Refusal } from './actions.js';
import { allowedActions } from './allowed-actions.js';
import { DeploymentDetail, type DeploymentPage } from './detail-view.js';
import { gateActions } from './gate-actions.js';
import { pendingManualGates, type GateButtons } from './gates-view.js';
import { PAGE_SIZE, parseListQuery, type ListQuery } from './list-query.js';
import { DeploymentTable, FilterForm, listFragmentUrl, type ListPage } from './list-view.js';

// /deployments (filters, pages), /deployments/:ref (an id or a number) with its Go Live, Cancel and
// Rollback forms and its promotion gates' Approve / Reject, and the fragments live.js re-fetches when
// deployments change.

export function deploymentsPages(deps: ApiDeps, commands: UiCommands): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const services = Object.keys(deps.config.services).sort();
  const environments = boardEnvironments(deps.config);
  const actions = { ...deploymentActions(deps, commands), ...gateActions(deps, commands) };

  async function listPage(c: Context<UiEnv>): Promise<ListPage> {
    requireViewer(c, 'read');
    const query: ListQuery = parseListQuery(deps.config, c.req.query());
    const filters = {
      service: query.service,
      statuses: query.status ? [query.status] : undefined,
      environment: query.environment,
    };
    const rows = await listDeploymentSummaries(deps.db, {
      ...filters,
      before: query.before,
      after: query.after,
      limit: PAGE_SIZE,
    });
    const first = rows[0];
    const last = rows.at(-1);
    // Whether a row lies beyond either end of this page (the order is by number, so the answer is stable).
    const [newer, older] = await Promise.all([
      first ? listDeploymentSummaries(deps.db, { ...filters, after: first.number, limit: 1 }) : [],
      last ? listDeploymentSummaries(deps.db, { ...filters, before: last.number, limit: 1 }) : [],
    ]);
    return { rows, query, newer: newer.length > 0, older: older.length > 0 };
  }

  app.get('/deployments', async (c) => {
    const page = await listPage(c);
    return c.html(
      <Layout
        title="Deployments"
        viewer={c.get('viewer')}
        csrfToken={c.get('csrfToken')}
        active="/deployments"
        scripts={['live.js']}
      >
        <h1>Deployments</h1>
        <FilterForm query={page.query} services={services} environments={environments} />
        <DeploymentTable page={page} />
      </Layout>,
    );
  });

  app.get(listFragmentUrl({}), async (c) => c.html(<DeploymentTable page={await listPage(c)} />));

  async function existing(c: Context<UiEnv>): Promise<DeploymentRow> {
    const ref = c.req.param('ref') ?? '';
    const row = await findDeployment(deps.db, ref);
    if (!row) throw new PageError(404, 'Not found', `There is no deployment ${ref}.`);
    return row;
  }

  async function detailPage(c: Context<UiEnv>, row: DeploymentRow): Promise<DeploymentPage> {
    const [detail, rollbackOf] = await Promise.all([
      deploymentDetail(deps, row),
      row.rollbackOf ? findDeployment(deps.db, row.rollbackOf) : null,
    ]);
    return {
      row,
      waitingOn: detail.waitingOn as DeploymentPage['waitingOn'],
      transitions: detail.transitions,
      temporalUrl: temporalLink(deps, row.id),
      rollbackOfRow: rollbackOf,
      actions: allowedActions(c.get('principal'), deps.config, row),
      gateButtons: await gateButtons(c, row),
      csrfToken: c.get('csrfToken'),
    };
  }

  /** The gate buttons the API would honour; none on a superseded deployment (the gate routes refuse it). */
  async function gateButtons(c: Context<UiEnv>, row: DeploymentRow): Promise<GateButtons[]> {
    const buttons = pendingManualGates(row.environments)
      .map((target) => ({ ...target, ...gateDecisionsAllowed(c.get('principal'), deps.config, row, target) }))
      .filter((b) => b.approve || b.reject);
    if (buttons.length === 0 || (await supersedingDeployment(deps.db, row))) return [];
    return buttons;
  }

  async function renderDetail(c: Context<UiEnv>, row: DeploymentRow, refusal?: Refusal) {
    const page = await detailPage(c, row);
    return c.html(
      <Layout
        title={`#${row.number} ${row.service} ${row.version}`}
        viewer={c.get('viewer')}
        csrfToken={c.get('csrfToken')}
        active="/deployments"
        scripts={['live.js']}
      >
        <h1>
          #{row.number} {row.service} {row.version}
        </h1>
        {refusal ? (
          <p class="error-message" role="alert">
            {refusal.message}
          </p>
        ) : null}
        <DeploymentDetail page={page} />
      </Layout>,
      refusal?.status ?? 200,
    );
  }

  app.get('/deployments/:ref', async (c) => {
    requireViewer(c, 'read');
    return renderDetail(c, await existing(c));
  });

  app.get('/ui/fragments/deployments/:ref', async (c) => {
    requireViewer(c, 'read');
    return c.html(<DeploymentDetail page={await detailPage(c, await existing(c))} />);
  });

  for (const [name, run] of Object.entries(actions)) {
    app.post(`/deployments/:ref/${name}`, async (c) => {
      const row = await existing(c);
      try {
        return c.redirect(await run(c, row), 303);
      } catch (err) {
        const refusal = refusalOf(err, row);
        return renderDetail(c, (await findDeployment(deps.db, row.id)) ?? row, refusal);
      }
    });
  }

  return app;
}
