import type { BuildCommandRecord } from '../../db/schema.js';
import type { BuildRow } from '../../db/builds.js';
import { finishedBuildStatuses, type BuildStatus } from '../../domain/build-state.js';
import type { JobDefinition } from '../../domain/job.js';
import { ActionForm } from '../components/action-form.js';
import { elapsed, shortCommit, Status, Time } from '../jobs/format.js';
import { Breadcrumbs } from '../jobs/job-page.js';
import { buildHref, logAnchor } from '../jobs/links.js';
import { LogView, type CommandLog } from './log-view.js';

// One build: what ran and how it went (stages, steps and hooks), its parameters (secret values
// were "***" before they reached the row), its log so far, and cancel/rebuild for those allowed.
// log.js follows the live log through /builds/:id/events; without it, a reload link.

export interface BuildPageProps {
  build: BuildRow;
  title: string;
  log: CommandLog[];
  /** Chunk id the live stream resumes after. */
  lastChunkId: number;
  /** Older output is not on the page (download it). */
  earlier: boolean;
  /** Secret parameters a rebuild must be given again. */
  secretParameters: JobDefinition['parameters'];
  mayCancel: boolean;
  mayRebuild: boolean;
  csrfToken: string;
}

export const isFinished = (status: string) => finishedBuildStatuses.has(status as BuildStatus);

/** The command the build failed at (its first failed or errored one), if any. */
export const failedCommand = (commands: BuildCommandRecord[]) =>
  commands.find((c) => c.status === 'failed' || c.status === 'errored');

export function BuildPage(p: BuildPageProps) {
  const b = p.build;
  const finished = isFinished(b.status);
  const failed = failedCommand(b.commands);
  const href = buildHref(b.id);
  return (
    <>
      <Breadcrumbs path={b.jobPath} />
      <h1>
        {`${p.title} #${b.number} `}
        <span data-build-status>
          <Status status={b.status} />
        </span>
      </h1>
      <BuildFacts build={b} />
      <div class="actions">
        {p.mayCancel && !finished ? (
          <ActionForm
            action={`${href}/cancel`}
            csrfToken={p.csrfToken}
            label="Cancel"
            confirm="Kills the running step, runs the onFailure hooks and removes the build's container."
            danger
          />
        ) : null}
        {p.mayRebuild ? (
          <RebuildForm action={`${href}/rebuild`} secrets={p.secretParameters} csrfToken={p.csrfToken} />
        ) : null}
      </div>
      {Object.keys(b.parameters).length > 0 ? <Parameters values={b.parameters} /> : null}
      <StepTable commands={b.commands} />
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Log</h2>
        <p class="log-tools">
          <a href={`${href}/log`} download>
            Download raw
          </a>
          <a href={failed ? `#${logAnchor(failed.key)}` : '#'} data-log-failed hidden={!failed}>
            Jump to the failed step
          </a>
          <button type="button" data-log-follow aria-pressed="true" hidden>
            Stop following
          </button>
          {finished ? null : (
            <a href={href} data-log-reload>
              Reload for newer output
            </a>
          )}
        </p>
        {p.earlier ? <p class="muted">Earlier output is not shown here: download the raw log for all of it.</p> : null}
        <div
          class="log-view"
          data-build-log
          data-events={`${href}/events?after=${p.lastChunkId}`}
          data-finished={finished ? 'true' : 'false'}
          tabindex={0}
        >
          {p.log.length === 0 ? (
            <p class="muted" data-log-empty>
              No output yet.
            </p>
          ) : null}
          <LogView commands={p.log} />
        </div>
      </section>
    </>
  );
}

function BuildFacts(props: { build: BuildRow }) {
  const b = props.build;
  return (
    <dl class="facts">
      <dt>Triggered by</dt>
      <dd>{b.triggeredBy}</dd>
      <dt>Commit</dt>
      <dd>
        <code>{shortCommit(b.commit) || '—'}</code>
        {b.ref ? <span class="muted">{` (${b.ref})`}</span> : null}
      </dd>
      <dt>Queued</dt>
      <dd>
        <Time at={b.createdAt} />
      </dd>
      <dt>Duration</dt>
      <dd data-build-duration>{elapsed(b.startedAt, b.finishedAt) || '—'}</dd>
      {b.host ? (
        <>
          <dt>Host</dt>
          <dd>{b.host}</dd>
        </>
      ) : null}
      {b.rebuildOf ? (
        <>
          <dt>Rebuild of</dt>
          <dd>
            <a href={buildHref(b.rebuildOf)}>{b.rebuildOf}</a>
          </dd>
        </>
      ) : null}
      {b.reason ? (
        <>
          <dt>Reason</dt>
          <dd>{b.reason}</dd>
        </>
      ) : null}
    </dl>
  );
}

function Parameters(props: { values: Record<string, string> }) {
  return (
    <section>
      <h2>Parameters</h2>
      <dl class="facts">
        {Object.entries(props.values).map(([name, value]) => (
          <>
            <dt>
              <code>{name}</code>
            </dt>
            <dd>
              <code>{value}</code>
            </dd>
          </>
        ))}
      </dl>
    </section>
  );
}

export function StepTable(props: { commands: BuildCommandRecord[] }) {
  return (
    <section>
      <h2>Stages, steps and hooks</h2>
      <div class="table-wrap">
        <table class="steps">
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Step or hook</th>
              <th scope="col">Status</th>
              <th scope="col">Exit code</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {props.commands.map((c) => (
              <tr data-step={c.key}>
                <td>{c.stage}</td>
                <td>
                  <a href={`#${logAnchor(c.key)}`}>{c.step}</a>
                  {c.kind === 'hook' ? <span class="muted"> (hook)</span> : null}
                  {c.message ? <div class="muted">{c.message}</div> : null}
                </td>
                <td data-step-status>
                  <Status status={c.status} />
                </td>
                <td>{c.exitCode ?? ''}</td>
                <td data-step-duration>{elapsed(c.startedAt, c.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The same job, parameters and commit again; secret values are not kept, so they are asked for. */
function RebuildForm(props: { action: string; secrets: JobDefinition['parameters']; csrfToken: string }) {
  return (
    <details class="action-form">
      <summary>Rebuild</summary>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {props.secrets.map((param) => (
          <label>
            {`${param.title} (secret: give it again)`}
            <input type="password" name={`param.${param.title}`} autocomplete="off" />
          </label>
        ))}
        <p>Runs this job again with the same parameters at the same commit.</p>
        <button type="submit">Confirm rebuild</button>
      </form>
    </details>
  );
}
