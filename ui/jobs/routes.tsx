import { Hono, type Context } from 'hono';
import type { AppCommands } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { mayRunJob, requireDeployJobAccess } from '../../api/jobs/deploy-job-guard.js';
import { latestBuilds } from '../../db/builds.js';
import { findActiveJob, listActiveJobs, listJobCopies } from '../../db/jobs.js';
import type { JobDefinition } from '../../domain/job.js';
import { jobTree } from '../../domain/job-tree.js';
import { publicDefinition } from '../../domain/secret-parameters.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { formParameters } from './form.js';
import { JobPage } from './job-page.js';
import { buildHref } from './links.js';
import { JobTreeList, subtree } from './tree.js';

// /jobs: the folder tree; /jobs/<path>: a folder, or a job with its builds and copies (or
// /jobs?job=<path> where an Octopush route owns the path, see ./links.ts); POST
// /jobs/<path>/builds runs a job through the API's own trigger command.

const PAGE = 20;

const pathAfter = (c: Context, prefix: string) =>
  c.req.path
    .slice(prefix.length)
    .split('/')
    .map((s) => decodeURIComponent(s))
    .join('/');

export function jobsPages(deps: ApiDeps, commands: Pick<AppCommands, 'builds'>) {
  const { db, config } = deps;
  const app = new Hono<UiEnv>();

  const page = (c: Context<UiEnv>, title: string, body: unknown) =>
    c.html(
      <Layout title={title} viewer={c.get('viewer')} csrfToken={c.get('csrfToken')} active="/jobs">
        {body}
      </Layout>,
    );

  async function folderPage(c: Context<UiEnv>, folder: string) {
    const roots = (await listActiveJobs(db)).filter((j) => j.parentPath === null);
    const nodes = subtree(jobTree(roots.map((j) => j.path)), folder);
    if (!nodes) throw new PageError(404, 'Not found', `There is no job or folder ${folder}.`);
    const latest = new Map(
      (
        await latestBuilds(
          db,
          roots.map((j) => j.path),
        )
      ).map((b) => [b.jobPath, b]),
    );
    const jobs = new Map(
      roots.map((j) => [
        j.path,
        { title: (j.definition as { title?: string }).title ?? '', latest: latest.get(j.path) },
      ]),
    );
    return page(
      c,
      folder ? `Jobs in ${folder}` : 'Jobs',
      <>
        <h1>{folder ? `Jobs in ${folder}` : 'Jobs'}</h1>
        {nodes.length === 0 ? <p class="muted">No jobs yet: create one with PUT /v1/jobs/&lt;path&gt;.</p> : null}
        <JobTreeList nodes={nodes} jobs={jobs} />
      </>,
    );
  }

  async function jobOrFolder(c: Context<UiEnv>, path: string) {
    const principal = requireViewer(c, 'read');
    const job = await findActiveJob(db, path);
    if (!job) return folderPage(c, path);
    const before = Number(c.req.query('before')) || undefined;
    const builds = await commands.builds.listBuilds(path, PAGE, before);
    const copyRows = await listJobCopies(db, path);
    const latest = new Map(
      (
        await latestBuilds(
          db,
          copyRows.map((j) => j.path),
        )
      ).map((b) => [b.jobPath, b]),
    );
    const definition = publicDefinition(job.definition as unknown as JobDefinition);
    return page(
      c,
      definition.title,
      <JobPage
        job={job}
        definition={definition}
        builds={builds}
        olderThan={builds.length === PAGE ? builds.at(-1)!.number : null}
        copies={copyRows.map((j) => ({ job: j, latest: latest.get(j.path) }))}
        mayRun={mayRunJob(principal, config, path)}
        csrfToken={c.get('csrfToken')}
      />,
    );
  }

  app.get('/jobs', async (c) => {
    const job = c.req.query('job');
    if (job) return jobOrFolder(c, job);
    requireViewer(c, 'read');
    return folderPage(c, '');
  });

  app.get('/jobs/*', (c) => jobOrFolder(c, pathAfter(c, '/jobs/').replace(/\/$/, '')));

  app.post('/jobs/*', async (c) => {
    const target = pathAfter(c, '/jobs/');
    if (!target.endsWith('/builds')) throw new PageError(404, 'Not found', `There is no action at ${c.req.path}.`);
    const path = target.slice(0, -'/builds'.length);
    const principal = requireViewer(c, 'build:run');
    requireDeployJobAccess(c, config, path);
    const build = await commands.builds.trigger(path, await formParameters(c), principal.name);
    return c.redirect(buildHref(build.id), 303);
  });

  return app;
}
