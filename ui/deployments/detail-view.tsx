import type { DeploymentRow } from '../../db/deployments.js';
import type { EnvironmentStatus, WaitingOn } from '../../domain/deployment-state.js';
import { waitingInWords } from '../../domain/waiting-words.js';
import { ActionForm } from '../components/action-form.js';
import type { AllowedActions } from './allowed-actions.js';
import { buildHref, deploymentHref, StatusBadge, Time } from './bits.js';
import { EnvironmentGates, RefusedSignals, type GateButtons } from './gates-view.js';

// One deployment: what it waits on, the buttons this viewer may press, each environment's deploy
// (output, Jenkins or Slipway build, tests), approvals and the timeline. Everything below the
// page's message is one live fragment, re-fetched when this deployment changes.

export interface Transition {
  from: string | null;
  to: string;
  phase: string;
  actor: string;
  reason: string;
  at: string;
}

export interface DeploymentPage {
  row: DeploymentRow;
  /** The wait as api/deployments/view.ts details it (a lock wait with its queue). */
  waitingOn: (WaitingOn & { paused?: boolean; position?: number | null; holders?: unknown[] }) | null;
  transitions: Transition[];
  temporalUrl: string | null;
  rollbackOfRow: { id: string; number: number } | null;
  actions: AllowedActions;
  /** Approve / Reject of the pending manual gates this viewer may decide. */
  gateButtons: GateButtons[];
  csrfToken: string;
}

export const detailFragmentUrl = (row: { id: string }) => `/ui/fragments/deployments/${encodeURIComponent(row.id)}`;

function waitingSentence(w: DeploymentPage['waitingOn']): string | null {
  if (!w) return null;
  const holders = (w.holders ?? []).flatMap((h) =>
    typeof h === 'object' && h !== null && typeof (h as { service?: unknown }).service === 'string'
      ? [(h as { service: string }).service]
      : [],
  );
  return waitingInWords(w, { paused: w.paused, position: w.position, holders });
}

function Actions(props: { page: DeploymentPage }) {
  const { row, actions, csrfToken } = props.page;
  const base = `/deployments/${encodeURIComponent(row.id)}`;
  if (!actions.goLive && !actions.cancel && !actions.rollback) return null;
  return (
    <section class="actions" aria-label="Actions">
      {actions.goLive ? (
        <ActionForm
          action={`${base}/go-live`}
          csrfToken={csrfToken}
          label="Go Live"
          confirm={`Approve ${row.service} ${row.version} for live, as yourself.`}
        />
      ) : null}
      {actions.cancel ? (
        <ActionForm
          action={`${base}/cancel`}
          csrfToken={csrfToken}
          label="Cancel"
          confirm={`End deployment #${row.number} of ${row.service} ${row.version}. This cannot be undone.`}
          reason="required"
          danger
        />
      ) : null}
      {actions.rollback ? (
        <ActionForm
          action={`${base}/rollback`}
          csrfToken={csrfToken}
          label="Rollback"
          confirm={`Deploy the version of ${row.service} that was live before ${row.version} straight to live.`}
          reason="required"
          danger
        />
      ) : null}
    </section>
  );
}

function EnvironmentDeploy(props: {
  env: EnvironmentStatus;
  testJobUrl: string | null;
  current: boolean;
  page: DeploymentPage;
}) {
  const { env, page } = props;
  return (
    <section class="environment" data-environment={env.environment}>
      <h3>
        {env.environment} <span class={`env-state env-${env.state}`}>{env.state}</span>
      </h3>
      <dl>
        {env.startedAt ? (
          <>
            <dt>Started</dt>
            <dd>
              <Time at={env.startedAt} />
            </dd>
          </>
        ) : null}
        {env.finishedAt ? (
          <>
            <dt>Finished</dt>
            <dd>
              <Time at={env.finishedAt} />
            </dd>
          </>
        ) : null}
        {env.message ? (
          <>
            <dt>Result</dt>
            <dd>{env.message}</dd>
          </>
        ) : null}
        {env.jenkins ? (
          <>
            <dt>Jenkins build</dt>
            <dd>
              <a href={env.jenkins.buildUrl} rel="noopener noreferrer">
                #{env.jenkins.buildNumber}
              </a>{' '}
              (<a href={env.jenkins.consoleUrl}>console</a>){env.jenkins.result ? ` ${env.jenkins.result}` : ''}
            </dd>
          </>
        ) : null}
        {env.build ? (
          <>
            <dt>Slipway build</dt>
            <dd>
              <a href={buildHref(env.build)}>
                {env.build.job} #{env.build.number}
              </a>
              {env.build.status ? ` ${env.build.status}` : ''}
            </dd>
          </>
        ) : null}
        {env.tests ? (
          <>
            <dt>Tests</dt>
            <dd>
              <span class={env.tests.passed ? 'tests-passed' : 'tests-failed'}>
                {env.tests.expired ? 'expired' : env.tests.passed ? 'passed' : 'failed'}
              </span>{' '}
              reported by {env.tests.by} at <Time at={env.tests.at} />
            </dd>
          </>
        ) : null}
        {props.testJobUrl && (env.tests || props.current) ? (
          <>
            <dt>Test job</dt>
            <dd>
              <a href={props.testJobUrl} rel="noopener noreferrer">
                {props.testJobUrl}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      <EnvironmentGates
        env={env}
        buttons={page.gateButtons}
        base={`/deployments/${encodeURIComponent(page.row.id)}`}
        csrfToken={page.csrfToken}
      />
      {env.output ? (
        <details open={env.state === 'failed' || env.state === 'errored'}>
          <summary>Deployer output</summary>
          <pre class="output">{env.output}</pre>
        </details>
      ) : null}
    </section>
  );
}

export function DeploymentDetail(props: { page: DeploymentPage }) {
  const { page } = props;
  const { row } = page;
  const waiting = waitingSentence(page.waitingOn);
  return (
    <div id="deployment" data-live-url={detailFragmentUrl(row)} data-live-on="deployment" data-live-id={row.id}>
      <p class="lead">
        <StatusBadge status={row.status} /> {row.phase === 'finished' ? row.outcome?.message : waiting}
      </p>
      <dl class="facts">
        <dt>Requested by</dt>
        <dd class="requestor">{row.requestor}</dd>
        <dt>Requested</dt>
        <dd>
          <Time at={row.createdAt} />
        </dd>
        <dt>Environment</dt>
        <dd>{row.environment}</dd>
        <dt>Waiting on</dt>
        <dd class="waiting">{waiting ?? 'nothing'}</dd>
        {page.rollbackOfRow ? (
          <>
            <dt>Rollback of</dt>
            <dd>
              <a href={deploymentHref(page.rollbackOfRow)}>#{page.rollbackOfRow.number}</a>
            </dd>
          </>
        ) : null}
        <dt>Workflow</dt>
        <dd>
          {page.temporalUrl ? (
            <a href={page.temporalUrl} rel="noopener noreferrer">
              {row.id} in the Temporal Web UI
            </a>
          ) : (
            row.id
          )}
        </dd>
      </dl>
      <Actions page={page} />
      <h2>Environments</h2>
      {row.environments.map((env) => (
        <EnvironmentDeploy
          env={env}
          testJobUrl={row.testJobUrl}
          current={env.environment === row.environment}
          page={page}
        />
      ))}
      <h2>Approvals</h2>
      {row.approvals.length === 0 ? (
        <p class="empty">No Go Live yet.</p>
      ) : (
        <ul class="approvals">
          {row.approvals.map((a) => (
            <li>
              {a.by} at <Time at={a.at} />
            </li>
          ))}
        </ul>
      )}
      <RefusedSignals signals={row.refusedSignals} />
      <h2>Timeline</h2>
      <ol class="timeline">
        {page.transitions.map((t) => (
          <li>
            <Time at={t.at} /> {t.from ? `${t.from} → ` : ''}
            <StatusBadge status={t.to} /> <span class="actor">by {t.actor}</span>
            {t.reason ? <span class="reason">: {t.reason}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
