import type { BuildRow } from '../../db/builds.js';
import type { JobRow } from '../../db/jobs.js';
import type { JobDefinition } from '../../domain/job.js';
import { elapsed, shortCommit, Status, Time } from './format.js';
import { buildHref, jobHref, runHref } from './links.js';

// One job: where it sits, its parameters (secret defaults as ***), its newest builds, its pull
// request and branch copies, and a run form for those allowed.

export interface JobPageProps {
  job: JobRow;
  /** The definition as the API shows it (publicDefinition: secret defaults and URL credentials masked). */
  definition: JobDefinition;
  builds: BuildRow[];
  /** Build number to page on from ("Older builds"); null: no more. */
  olderThan: number | null;
  copies: Array<{ job: JobRow; latest: BuildRow | undefined }>;
  mayRun: boolean;
  csrfToken: string;
}

export function Breadcrumbs(props: { path: string }) {
  const parts = props.path.split('/');
  return (
    <nav aria-label="Folders" class="breadcrumbs">
      <a href="/jobs">Jobs</a>
      {parts.map((name, i) => (
        <>
          {' / '}
          <a href={jobHref(parts.slice(0, i + 1).join('/'))}>{name}</a>
        </>
      ))}
    </nav>
  );
}

const copyKind = (path: string) => {
  const name = path.split('/').at(-1) ?? '';
  if (name.startsWith('pr-')) return `Pull request #${name.slice(3)}`;
  if (name.startsWith('branch-')) return 'Branch';
  return 'Copy';
};

export function JobPage(p: JobPageProps) {
  const parameters = p.definition.parameters ?? [];
  return (
    <>
      <Breadcrumbs path={p.job.path} />
      <h1>{p.definition.title}</h1>
      {p.job.parentPath ? (
        <p>
          {`${copyKind(p.job.path)} copy of `}
          <a href={jobHref(p.job.parentPath)}>{p.job.parentPath}</a>
          {p.job.label ? (
            <>
              {': '}
              <q class="copy-label">{p.job.label}</q>
            </>
          ) : null}
        </p>
      ) : null}
      {p.mayRun ? <RunForm path={p.job.path} parameters={parameters} csrfToken={p.csrfToken} /> : null}
      {parameters.length > 0 ? <ParameterTable parameters={parameters} /> : null}
      <BuildTable builds={p.builds} />
      {p.olderThan !== null ? (
        <p>
          <a href={`${jobHref(p.job.path)}${jobHref(p.job.path).includes('?') ? '&' : '?'}before=${p.olderThan}`}>
            Older builds
          </a>
        </p>
      ) : null}
      {p.copies.length > 0 ? <CopyTable copies={p.copies} /> : null}
    </>
  );
}

function ParameterTable(props: { parameters: JobDefinition['parameters'] }) {
  return (
    <section>
      <h2>Parameters</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Default</th>
            <th scope="col">Required</th>
            <th scope="col">Secret</th>
          </tr>
        </thead>
        <tbody>
          {props.parameters.map((param) => (
            <tr>
              <td>
                <code>{param.title}</code>
              </td>
              <td>{param.default ?? <span class="muted">—</span>}</td>
              <td>{param.required ? 'yes' : 'no'}</td>
              <td>{param.secret ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function BuildTable(props: { builds: BuildRow[]; caption?: string }) {
  return (
    <section>
      <h2>{props.caption ?? 'Recent builds'}</h2>
      {props.builds.length === 0 ? (
        <p class="muted">No builds yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="builds">
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Status</th>
                <th scope="col">Triggered by</th>
                <th scope="col">Commit</th>
                <th scope="col">Duration</th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {props.builds.map((b) => (
                <tr>
                  <td>
                    <a href={buildHref(b.id)}>{`#${b.number}`}</a>
                  </td>
                  <td>
                    <Status status={b.status} />
                  </td>
                  <td>{b.triggeredBy}</td>
                  <td>
                    <code>{shortCommit(b.commit) || b.ref || ''}</code>
                  </td>
                  <td>{elapsed(b.startedAt, b.finishedAt)}</td>
                  <td>
                    <Time at={b.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function CopyTable(props: { copies: JobPageProps['copies'] }) {
  return (
    <section>
      <h2>Pull request and branch copies</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Copy</th>
              <th scope="col">For</th>
              <th scope="col">Newest build</th>
            </tr>
          </thead>
          <tbody>
            {props.copies.map(({ job, latest }) => (
              <tr>
                <td>
                  <a href={jobHref(job.path)}>{job.path.split('/').at(-1)}</a>
                </td>
                <td>
                  {copyKind(job.path)}
                  {job.label ? (
                    <>
                      {': '}
                      <span class="copy-label">{job.label}</span>
                    </>
                  ) : null}
                </td>
                <td>
                  {latest ? (
                    <>
                      <a href={buildHref(latest.id)}>{`#${latest.number}`}</a> <Status status={latest.status} />
                    </>
                  ) : (
                    <span class="muted">never built</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Values left empty are not sent: the parameter's default applies (a secret default is never shown). */
function RunForm(props: { path: string; parameters: JobDefinition['parameters']; csrfToken: string }) {
  return (
    <details class="action-form">
      <summary>Run</summary>
      <form method="post" action={runHref(props.path)}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {props.parameters.map((param) => (
          <label>
            {param.title}
            {param.required && param.default === undefined ? ' (required)' : ''}
            {param.secret ? (
              <input type="password" name={`param.${param.title}`} autocomplete="off" />
            ) : (
              <input type="text" name={`param.${param.title}`} value={param.default ?? ''} />
            )}
          </label>
        ))}
        <p>Starts a new build of this job now.</p>
        <button type="submit">Confirm run</button>
      </form>
    </details>
  );
}
