import type { TokenInfo } from '../../db/tokens.js';
import { Scopes } from '../../domain/scopes.js';
import { ActionForm } from '../components/action-form.js';
import type { Viewer } from '../env.js';
import { Layout } from '../layout.js';

export interface AdminPageProps {
  viewer: Viewer;
  csrfToken: string;
  /** May pause, resume and manage tokens. */
  isAdmin: boolean;
  paused: Record<string, boolean>;
  /** Listed for admins only. */
  tokens: TokenInfo[];
  notice?: string;
  error?: string;
  /** A token just created: its secret, shown this once. */
  created?: { name: string; secret: string };
}

const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function QueueSection(props: AdminPageProps) {
  const environments = Object.entries(props.paused);
  const allPaused = environments.every(([, paused]) => paused);
  const anyPaused = environments.some(([, paused]) => paused);
  return (
    <section aria-labelledby="queue-heading">
      <h2 id="queue-heading">Deploy queue</h2>
      <p class="muted">Paused: nothing new starts deploying or going live there; running deployments finish.</p>
      {props.isAdmin ? (
        <p>
          {allPaused ? null : (
            <ActionForm
              action="/admin/queue/pause"
              csrfToken={props.csrfToken}
              label="Pause all"
              confirm="Pause every environment?"
              danger
            />
          )}
          {anyPaused ? (
            <ActionForm
              action="/admin/queue/resume"
              csrfToken={props.csrfToken}
              label="Resume all"
              confirm="Resume every environment?"
            />
          ) : null}
        </p>
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">State</th>
              {props.isAdmin ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {environments.map(([env, paused]) => (
              <tr>
                <th scope="row">{env}</th>
                <td>
                  <span class={paused ? 'badge paused' : 'badge running'}>{paused ? 'paused' : 'running'}</span>
                </td>
                {props.isAdmin ? (
                  <td>
                    <ActionForm
                      action={`/admin/queue/${encodeURIComponent(env)}/${paused ? 'resume' : 'pause'}`}
                      csrfToken={props.csrfToken}
                      label={paused ? `Resume ${env}` : `Pause ${env}`}
                      confirm={paused ? `Resume ${env}?` : `Pause ${env}?`}
                      danger={!paused}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function TokenSection(props: AdminPageProps) {
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {props.created ? (
        <div class="notice" role="status">
          <p>
            Token <strong>{props.created.name}</strong> created. Copy its secret now: it is not shown again.
          </p>
          <p class="secret" id="new-token-secret">
            {props.created.secret}
          </p>
        </div>
      ) : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((t) => (
              <tr>
                <th scope="row">{t.name}</th>
                <td>
                  <code>{t.scopes.join(' ')}</code>
                </td>
                <td>{when(t.createdAt)}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${when(t.revokedAt)}`
                  ) : (
                    <ActionForm
                      action={`/admin/tokens/${encodeURIComponent(t.id)}/revoke`}
                      csrfToken={props.csrfToken}
                      label={`Revoke ${t.name}`}
                      confirm={`Revoke the token ${t.name}? Whatever uses it is refused from now on.`}
                      danger
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>New token</h3>
      <form method="post" action="/admin/tokens" class="stacked">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <label>
          Name
          <input type="text" name="name" required maxlength={100} autocomplete="off" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {Scopes.map((scope) => (
            <label>
              <input type="checkbox" name="scopes" value={scope} /> {scope}
            </label>
          ))}
        </fieldset>
        <label>
          Scopes for one service (space-separated, e.g. deploy:approve:checkout)
          <input type="text" name="serviceScopes" autocomplete="off" />
        </label>
        <button type="submit">Create token</button>
      </form>
    </section>
  );
}

export function AdminPage(props: AdminPageProps) {
  return (
    <Layout title="Admin" viewer={props.viewer} csrfToken={props.csrfToken} active="/admin">
      <h1>Admin</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-message" role="alert">
          {props.error}
        </p>
      ) : null}
      <QueueSection {...props} />
      {props.isAdmin ? (
        <TokenSection {...props} />
      ) : (
        <p class="muted">Pausing the queue and managing tokens need the admin scope.</p>
      )}
    </Layout>
  );
}
