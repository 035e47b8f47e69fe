import type { EnvironmentStatus, RefusedSignal } from '../../domain/deployment-state.js';
import type { Evidence, GateResult } from '../../domain/promotions.js';
import { ActionForm } from '../components/action-form.js';
import { Time } from './bits.js';
import { gatePath } from './gate-actions.js';

// An environment's promotion gates as the workflow recorded them: each gate (combinations with their
// parts) with its status, times, reason and evidence, and the Approve / Reject buttons of the manual
// gates this viewer may decide; and the signals a deployment refused. Outside data (URLs, reasons,
// names) is only ever text or, for http(s) URLs, a link.

/** The buttons a viewer gets for one manual gate (api/deployments/gate-rights.ts decides). */
export interface GateButtons {
  environment: string;
  gate: string;
  approve: boolean;
  reject: boolean;
}

/** A URL fit for an href: http(s) only, so a reported "javascript:" or "data:" stays text. */
export function httpUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function Link(props: { url: string; children?: unknown }) {
  const href = httpUrl(props.url);
  return href ? (
    <a href={href} rel="noopener noreferrer">
      {props.children ?? props.url}
    </a>
  ) : (
    <span class="url">{props.children ?? props.url}</span>
  );
}

function Verdict(props: { ok: boolean; yes: string; no: string }) {
  return <span class={props.ok ? 'evidence-ok' : 'evidence-bad'}>{props.ok ? props.yes : props.no}</span>;
}

function EvidenceItem(props: { e: Evidence }) {
  const { e } = props;
  switch (e.kind) {
    case 'jenkins':
      return (
        <li class="evidence evidence-jenkins">
          Jenkins {e.job} <Link url={e.url}>#{e.number}</Link>{' '}
          <span class="jenkins-result">{e.result ?? 'running'}</span>{' '}
          <span class={e.counted ? 'counted' : 'not-counted'}>{e.counted ? 'counted' : 'not counted'}</span> at{' '}
          <Time at={e.at} />
          {Object.keys(e.parameters).length > 0 ? (
            <dl class="parameters">
              {Object.entries(e.parameters).map(([name, value]) => (
                <>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </>
              ))}
            </dl>
          ) : null}
        </li>
      );
    case 'probe':
      return (
        <li class="evidence evidence-probe">
          Probe <Link url={e.url} />:{' '}
          {e.error ? (
            <span class="evidence-bad">{e.error}</span>
          ) : (
            <span class="probe-status">HTTP {e.status ?? '—'}</span>
          )}{' '}
          in {e.latencyMs} ms
          {e.bodySha256 ? (
            <>
              , body sha256 <code class="digest">{e.bodySha256}</code>
            </>
          ) : null}{' '}
          at <Time at={e.at} />
        </li>
      );
    case 'approval':
    case 'rejection':
      return (
        <li class={`evidence evidence-${e.kind}`}>
          <Verdict ok={e.kind === 'approval'} yes="Approved" no="Rejected" /> by <span class="actor">{e.by}</span> via{' '}
          {e.via} at <Time at={e.at} />
          {e.reason ? <span class="reason">: {e.reason}</span> : null}
        </li>
      );
    case 'tests':
      return (
        <li class="evidence evidence-tests">
          Tests <Verdict ok={e.passed} yes="passed" no="failed" />, reported by <span class="actor">{e.by}</span> via{' '}
          {e.via} at <Time at={e.at} />
        </li>
      );
    case 'report':
      return (
        <li class="evidence evidence-report">
          Reported <Verdict ok={e.passed} yes={e.status} no={e.status} /> ({e.passed ? 'passed' : 'failed'}) by{' '}
          <span class="actor">{e.by}</span> at <Time at={e.at} />
          {e.infoUrl ? (
            <>
              {' '}
              <Link url={e.infoUrl}>details</Link>
            </>
          ) : null}
        </li>
      );
  }
}

interface GateProps {
  environment: string;
  result: GateResult;
  buttons: GateButtons[];
  base: string;
  csrfToken: string;
}

function GateDecisionForms(props: GateProps) {
  const { environment, result } = props;
  const mine = props.buttons.find((b) => b.environment === environment && b.gate === result.name);
  if (!mine || (!mine.approve && !mine.reject)) return null;
  const target = { environment, gate: result.name };
  return (
    <div class="gate-actions">
      {mine.approve ? (
        <ActionForm
          action={`${props.base}/${gatePath(target, 'approve')}`}
          csrfToken={props.csrfToken}
          label="Approve"
          confirm={`Approve gate ${result.name} in ${environment}, as yourself.`}
          reason="optional"
        />
      ) : null}
      {mine.reject ? (
        <ActionForm
          action={`${props.base}/${gatePath(target, 'reject')}`}
          csrfToken={props.csrfToken}
          label="Reject"
          confirm={`Reject gate ${result.name} in ${environment}: the deployment stops here.`}
          reason="required"
          danger
        />
      ) : null}
    </div>
  );
}

function Gate(props: GateProps) {
  const { result } = props;
  return (
    <li class={`gate gate-${result.status}`} data-gate={result.name}>
      <p class="gate-head">
        <span class="gate-name">{result.name}</span> <span class="gate-type">{result.type}</span>{' '}
        <span class={`gate-status gate-status-${result.status}`}>{result.status}</span>
      </p>
      <dl class="gate-facts">
        <dt>Requested</dt>
        <dd>
          <Time at={result.requestedAt} />
        </dd>
        {result.decidedAt ? (
          <>
            <dt>Decided</dt>
            <dd>
              <Time at={result.decidedAt} />
            </dd>
          </>
        ) : null}
        {result.reason ? (
          <>
            <dt>Reason</dt>
            <dd class="gate-reason">{result.reason}</dd>
          </>
        ) : null}
      </dl>
      {result.evidence.length > 0 ? (
        <ul class="evidence-list">
          {result.evidence.map((e) => (
            <EvidenceItem e={e} />
          ))}
        </ul>
      ) : null}
      <GateDecisionForms {...props} />
      {result.parts ? <GateList {...props} results={result.parts} /> : null}
    </li>
  );
}

function GateList(props: Omit<GateProps, 'result'> & { results: GateResult[] }) {
  return (
    <ul class="gates">
      {props.results.map((result) => (
        <Gate {...props} result={result} />
      ))}
    </ul>
  );
}

export function EnvironmentGates(props: Omit<GateProps, 'result' | 'environment'> & { env: EnvironmentStatus }) {
  const { env } = props;
  if (!env.gates || env.gates.length === 0) return null;
  return (
    <section class="promotion-gates" aria-label={`Promotion gates in ${env.environment}`}>
      <h4>Promotion gates</h4>
      <GateList {...props} environment={env.environment} results={env.gates} />
    </section>
  );
}

export function RefusedSignals(props: { signals: RefusedSignal[] }) {
  if (props.signals.length === 0) return null;
  return (
    <>
      <h2>Refused signals</h2>
      <table class="refused-signals">
        <thead>
          <tr>
            <th>Signal</th>
            <th>By</th>
            <th>Reason</th>
            <th>At</th>
          </tr>
        </thead>
        <tbody>
          {props.signals.map((s) => (
            <tr>
              <td>{s.signal}</td>
              <td>{s.by}</td>
              <td>{s.reason}</td>
              <td>
                <Time at={s.at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The manual gates still pending in a deployment's environments, to ask which buttons a viewer gets. */
export function pendingManualGates(environments: EnvironmentStatus[]): Array<{ environment: string; gate: string }> {
  const out: Array<{ environment: string; gate: string }> = [];
  const walk = (environment: string, results: GateResult[]) => {
    for (const r of results) {
      if (r.type === 'manual' && r.status === 'pending') out.push({ environment, gate: r.name });
      if (r.parts) walk(environment, r.parts);
    }
  };
  for (const env of environments) walk(env.environment, env.gates ?? []);
  return out;
}
