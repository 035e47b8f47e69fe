import type { FeatureReport } from '../../db/features.js';
import { shortCommit, Status, Time } from '../jobs/format.js';
import { buildHref, featureHref, jobHref, safeUrl } from '../jobs/links.js';

// Features (a key such as ABC-123 or owner/repo#42 found in branch names and PR titles): the list,
// and one feature's branches, pull requests, builds, artifacts, deployments and where its code runs.

export interface FeatureSummary {
  key: string;
  title: string | null;
  state: string | null;
  links: number;
  lastActivity: string | null;
}

export function FeatureList(props: { features: FeatureSummary[] }) {
  return (
    <>
      <h1>Features</h1>
      {props.features.length === 0 ? (
        <p class="muted">No features yet: they appear when a branch name or pull request title names one.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Title</th>
                <th scope="col">State</th>
                <th scope="col">Links</th>
                <th scope="col">Last activity</th>
              </tr>
            </thead>
            <tbody>
              {props.features.map((f) => (
                <tr>
                  <td>
                    <a href={featureHref(f.key)}>{f.key}</a>
                  </td>
                  <td>{f.title ?? ''}</td>
                  <td>{f.state ?? ''}</td>
                  <td>{f.links}</td>
                  <td>
                    <Time at={f.lastActivity} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Where a release of the feature's code stands: still the environment's current version, or replaced. */
export interface Placement {
  environment: string;
  service: string;
  version: string;
  at: Date;
  current: string | null;
}

const detail = (d: Record<string, unknown>, name: string) => (typeof d[name] === 'string' ? (d[name] as string) : '');

export function FeaturePage(props: { report: FeatureReport; placements: Placement[] }) {
  const { feature, links } = props.report;
  const of = (kind: string) => links.filter((l) => l.kind === kind);
  const url = safeUrl(feature.url);
  return (
    <>
      <nav aria-label="Features" class="breadcrumbs">
        <a href="/features">Features</a>
      </nav>
      <h1>
        {feature.key}
        {feature.title ? ` — ${feature.title}` : ''}
      </h1>
      <p>
        {feature.state ? <Status status={feature.state} /> : null} {url ? <a href={url}>{url}</a> : null}
      </p>
      <section>
        <h2>Where its code runs now</h2>
        {props.placements.length === 0 ? (
          <p class="muted">Not deployed anywhere yet.</p>
        ) : (
          <ul>
            {props.placements.map((p) => (
              <li>
                <strong>{p.environment}</strong>
                {`: ${p.service} ${p.version} `}
                {p.current === p.version ? (
                  <span class="status status-succeeded">running now</span>
                ) : (
                  <span class="muted">{`since replaced by ${p.current ?? 'nothing'}`}</span>
                )}{' '}
                <span class="muted">
                  (reached <Time at={p.at} />)
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>Pull requests</h2>
        <LinkList
          empty="No pull requests."
          items={of('pull_request').map((l) => {
            const prUrl = safeUrl(l.detail.url);
            return (
              <>
                {prUrl ? <a href={prUrl}>{`${l.repo}#${l.ref}`}</a> : `${l.repo}#${l.ref}`}{' '}
                <span class="pr-title">{detail(l.detail, 'title')}</span>{' '}
                <span class="muted">{detail(l.detail, 'action')}</span>
              </>
            );
          })}
        />
      </section>
      <section>
        <h2>Branches</h2>
        <LinkList
          empty="No branches."
          items={of('branch').map((l) => (
            <>
              {`${l.repo} `}
              <code>{l.ref}</code> <code class="muted">{shortCommit(detail(l.detail, 'commit'))}</code>{' '}
              <Time at={l.at} />
            </>
          ))}
        />
      </section>
      <section>
        <h2>Builds</h2>
        <LinkList
          empty="No builds."
          items={of('build').map((l) => (
            <>
              <a href={buildHref(l.ref)}>{`${detail(l.detail, 'job')} #${String(l.detail.number ?? '')}`}</a>{' '}
              {detail(l.detail, 'status') ? <Status status={detail(l.detail, 'status')} /> : null}{' '}
              <code class="muted">{shortCommit(detail(l.detail, 'commit'))}</code>
              {detail(l.detail, 'job') ? (
                <>
                  {' '}
                  <a href={jobHref(detail(l.detail, 'job'))}>job</a>
                </>
              ) : null}
            </>
          ))}
        />
      </section>
      <section>
        <h2>Artifacts and deployments</h2>
        <LinkList
          empty="No artifacts from its builds."
          items={props.report.artifacts.map((a) => (
            <>
              {`${a.service} ${a.version} `}
              {a.buildId ? <a href={buildHref(a.buildId)}>build</a> : null}
            </>
          ))}
        />
        <LinkList
          empty="No deployments."
          items={props.report.deployments.map((d) => (
            <>
              <a href={`/deployments/${encodeURIComponent(d.id)}`}>{`#${d.number}`}</a>
              {` ${d.service} ${d.version} `}
              <Status status={d.status} />
            </>
          ))}
        />
      </section>
    </>
  );
}

function LinkList(props: { items: unknown[]; empty: string }) {
  if (props.items.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul>
      {props.items.map((item) => (
        <li>{item}</li>
      ))}
    </ul>
  );
}
