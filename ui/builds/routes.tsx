import { Hono } from 'hono';
import type { AppCommands } from '../../api/app.js';
import { rawLogStream } from '../../api/builds/raw-log.js';
import type { ApiDeps } from '../../api/deps.js';
import { mayRunJob, requireDeployJobAccess } from '../../api/jobs/deploy-job-guard.js';
import { can } from '../../api/middleware/auth.js';
import { readBuildLogTail } from '../../db/build-logs.js';
import { findActiveJob } from '../../db/jobs.js';
import type { JobDefinition } from '../../domain/job.js';
import type { UiEnv } from '../env.js';
import { requireViewer } from '../guard.js';
import { Layout } from '../layout.js';
import { formParameters } from '../jobs/form.js';
import { buildHref } from '../jobs/links.js';
import { BuildPage } from './build-page.js';
import { streamBuildEvents } from './events.js';
import { groupLog } from './log-view.js';

// /builds/:id: a build page; /builds/:id/events: its live log (SSE); /builds/:id/log: the raw log
// for session users (the API's /v1/builds/:id/log takes a token); POST cancel and rebuild run the
// API's build commands, with the API's scope checks.

/** Chunks shown on the page; a longer log is one download away. */
const TAIL_CHUNKS = 2000;

export function buildsPages(deps: ApiDeps, commands: Pick<AppCommands, 'builds'>) {
  const { db, config } = deps;
  const app = new Hono<UiEnv>();

  app.get('/builds/:id', async (c) => {
    const principal = requireViewer(c, 'read');
    const build = await commands.builds.findBuild(c.req.param('id'));
    const job = await findActiveJob(db, build.jobPath);
    const definition = (job?.definition ?? build.definition) as unknown as JobDefinition;
    const { chunks, earlier } = await readBuildLogTail(db, build.id, TAIL_CHUNKS);
    const title = definition.title ?? build.jobPath;
    return c.html(
      <Layout
        title={`${title} #${build.number}`}
        viewer={c.get('viewer')}
        csrfToken={c.get('csrfToken')}
        active="/jobs"
        scripts={['log.js']}
      >
        <BuildPage
          build={build}
          title={title}
          log={groupLog(chunks)}
          lastChunkId={chunks.at(-1)?.id ?? 0}
          earlier={earlier}
          secretParameters={(definition.parameters ?? []).filter((p) => p.secret)}
          mayCancel={can(principal, 'build:run')}
          mayRebuild={job !== null && mayRunJob(principal, config, build.jobPath)}
          csrfToken={c.get('csrfToken')}
        />
      </Layout>,
    );
  });

  app.get('/builds/:id/events', async (c) => {
    requireViewer(c, 'read');
    const build = await commands.builds.findBuild(c.req.param('id'));
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamBuildEvents(c, build.id, after, { ...deps, heartbeatMs: deps.logHeartbeatMs ?? 15_000 });
  });

  app.get('/builds/:id/log', async (c) => {
    requireViewer(c, 'read');
    const build = await commands.builds.findBuild(c.req.param('id'));
    const name = `${build.jobPath.replaceAll('/', '_')}-${build.number}.log`;
    return c.body(rawLogStream(db, build.id), 200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
  });

  app.post('/builds/:id/cancel', async (c) => {
    const principal = requireViewer(c, 'build:run');
    const build = await commands.builds.cancel(c.req.param('id'), principal.name);
    return c.redirect(buildHref(build.id), 303);
  });

  app.post('/builds/:id/rebuild', async (c) => {
    const principal = requireViewer(c, 'build:run');
    const { jobPath } = await commands.builds.findBuild(c.req.param('id'));
    requireDeployJobAccess(c, config, jobPath);
    const build = await commands.builds.rebuild(c.req.param('id'), principal.name, await formParameters(c));
    return c.redirect(buildHref(build.id), 303);
  });

  return app;
}
