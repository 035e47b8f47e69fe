import type { DeploymentSummaryRow } from '../../db/deployments.js';
import { OctopushStatuses } from '../../domain/statuses.js';
import { waitingInWords } from '../../domain/waiting-words.js';
import { deploymentHref, StatusBadge, Time } from './bits.js';
import { listSearch, type ListQuery } from './list-query.js';

// /deployments: a GET filter form (works without JavaScript), the table newest first, and links to
// the newer and older pages. The table is a live fragment re-fetched when a deployment changes.

export interface ListPage {
  rows: DeploymentSummaryRow[];
  query: ListQuery;
  /** There are newer / older rows than this page holds. */
  newer: boolean;
  older: boolean;
}

function Select(props: { name: string; label: string; options: string[]; value?: string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FilterForm(props: { query: ListQuery; services: string[]; environments: string[] }) {
  const { query } = props;
  return (
    <form method="get" action="/deployments" class="filters" role="search">
      <Select name="service" label="Service" options={props.services} value={query.service} />
      <Select name="status" label="Status" options={[...OctopushStatuses]} value={query.status} />
      <Select name="environment" label="Environment" options={props.environments} value={query.environment} />
      <button type="submit">Filter</button>
      <a href="/deployments">Clear</a>
    </form>
  );
}

export const listFragmentUrl = (query: ListQuery) => `/ui/fragments/deployments${listSearch(query)}`;

export function DeploymentTable(props: { page: ListPage }) {
  const { rows, query, newer, older } = props.page;
  const filters = { service: query.service, status: query.status, environment: query.environment };
  const first = rows[0];
  const last = rows.at(-1);
  return (
    <div id="deployment-list" data-live-url={listFragmentUrl(query)} data-live-on="deployment">
      {rows.length === 0 ? (
        <p class="empty">No deployments match.</p>
      ) : (
        <div class="table-wrap">
          <table class="deployments">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Service</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Environment</th>
                <th scope="col">Requested by</th>
                <th scope="col">Requested</th>
                <th scope="col">Waiting on</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr data-deployment={d.id}>
                  <td>
                    <a href={deploymentHref(d)}>{d.number}</a>
                  </td>
                  <td>{d.service}</td>
                  <td>{d.version}</td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td>{d.environment}</td>
                  <td>{d.requestor}</td>
                  <td>
                    <Time at={d.createdAt} />
                  </td>
                  <td>{waitingInWords(d.waitingOn ?? null) ?? d.outcome?.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {newer && first ? <a href={`/deployments${listSearch({ ...filters, after: first.number })}`}>← Newer</a> : null}
        {newer ? <a href={`/deployments${listSearch(filters)}`}>Newest</a> : null}
        {older && last ? <a href={`/deployments${listSearch({ ...filters, before: last.number })}`}>Older →</a> : null}
      </nav>
    </div>
  );
}
