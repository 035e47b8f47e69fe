import { deploymentHref, StatusBadge, Time } from '../deployments/bits.js';
import type { Board, BoardColumn, BoardItem } from './board-data.js';

// The environments side by side, then the version matrix. The whole board is one live fragment:
// ui/static/live.js re-fetches /ui/fragments/board when a deployment changes.

export const boardFragmentUrl = '/ui/fragments/board';

function Card(props: { item: BoardItem }) {
  const d = props.item;
  return (
    <li class="card" data-deployment={d.id}>
      <a href={deploymentHref(d)}>
        #{d.number} {d.service} {d.version}
      </a>{' '}
      <StatusBadge status={d.status} />
      <span class="requestor">by {d.requestor}</span>
      {d.waiting ? <p class="waiting">{d.waiting}</p> : null}
    </li>
  );
}

function Cards(props: { items: BoardItem[]; empty: string }) {
  return props.items.length === 0 ? (
    <p class="empty">{props.empty}</p>
  ) : (
    <ol class="cards">
      {props.items.map((item) => (
        <Card item={item} />
      ))}
    </ol>
  );
}

function Column(props: { column: BoardColumn }) {
  const { column } = props;
  const id = `env-${column.environment}`;
  return (
    <section class="board-column" aria-labelledby={id} data-environment={column.environment}>
      <h2 id={id}>{column.environment}</h2>
      {column.paused ? (
        <p class="paused">
          Paused{column.paused.all ? ' (all environments)' : ''} by {column.paused.by} since{' '}
          <Time at={column.paused.at} />
        </p>
      ) : (
        <p class="running">Accepting deployments</p>
      )}
      <h3>Queued</h3>
      <div class="queued">
        <Cards items={column.queued} empty="Nothing queued." />
      </div>
      <h3>In progress</h3>
      <div class="in-progress">
        <Cards items={column.inProgress} empty="Nothing in progress." />
      </div>
      <h3>Recently deployed</h3>
      <div class="recent">
        {column.recent.length === 0 ? (
          <p class="empty">Nothing deployed yet.</p>
        ) : (
          <ol class="cards">
            {column.recent.map((r) => (
              <li class="card" data-deployment={r.deploymentId}>
                <a href={deploymentHref({ id: r.deploymentId, number: r.number })}>
                  {r.number !== null ? `#${r.number} ` : ''}
                  {r.service} {r.version}
                </a>{' '}
                <Time at={r.at} />
                {r.requestor ? <span class="requestor">by {r.requestor}</span> : null}
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}

export function BoardView(props: { board: Board }) {
  const { board } = props;
  const environments = board.columns.map((c) => c.environment);
  return (
    <div id="board" class="board" data-live-url={boardFragmentUrl} data-live-on="deployment">
      <div class="board-columns">
        {board.columns.map((column) => (
          <Column column={column} />
        ))}
      </div>
      {board.truncated ? <p class="note">More deployments are under way than the board shows.</p> : null}
      <h2 id="versions">Versions</h2>
      <div class="table-wrap">
        <table class="versions" aria-labelledby="versions">
          <thead>
            <tr>
              <th scope="col">Service</th>
              {environments.map((e) => (
                <th scope="col">{e}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {board.services.map((service) => (
              <tr>
                <th scope="row">{service}</th>
                {environments.map((e) => {
                  const v = board.versions.get(e)?.get(service);
                  return (
                    <td data-environment={e}>
                      {v ? <a href={`/deployments/${encodeURIComponent(v.deploymentId)}`}>{v.version}</a> : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
