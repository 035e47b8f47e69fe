import { randomBytes } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppCommands } from '../api/app.js';
import type { ApiDeps } from '../api/deps.js';
import { adminPages } from './admin/routes.js';
import { boardPages } from './board/routes.js';
import { buildsPages } from './builds/routes.js';
import { csrfProtection } from './csrf.js';
import { deploymentsPages } from './deployments/routes.js';
import { livePages } from './live/routes.js';
import type { UiEnv } from './env.js';
import { renderErrorPage, uiOnError } from './errors.js';
import { featuresPages } from './features/routes.js';
import { figuresPages } from './figures/routes.js';
import { jobsPages } from './jobs/routes.js';
import { securityHeaders } from './security-headers.js';
import { sessions } from './session.js';
import { signinPages } from './signin/routes.js';
import { staticFiles } from './static.js';

// The dashboard, mounted by api/app.ts after the API (infra/ passes it in). Its middleware runs on the
// dashboard's own paths only: API calls never see a session cookie (a cookie must not authorise an
// API call that has no CSRF check), and an API path it does not know still answers the API's JSON 404.

/** The API's command objects: a dashboard action runs exactly the code the same API call runs. */
export type UiCommands = AppCommands;

const uiPath = /^\/(?:$|(?:login|logout|admin|deployments|jobs|builds|features|figures|ui)(?:\/|$))/;
export const isUiPath = (path: string) => uiPath.test(path);

const onUiPaths =
  (middleware: MiddlewareHandler<UiEnv>): MiddlewareHandler<UiEnv> =>
  (c, next) =>
    isUiPath(c.req.path) ? middleware(c, next) : next();

export function uiRoutes(deps: ApiDeps, commands: UiCommands): Hono<UiEnv> {
  const keys = { secret: deps.sessionSecret ?? randomBytes(32).toString('base64url'), publicUrl: deps.publicUrl };
  const ui = new Hono<UiEnv>();
  ui.use(onUiPaths(securityHeaders()));
  ui.use(onUiPaths(sessions(deps.db, keys)));
  ui.use(onUiPaths(csrfProtection(deps.publicUrl)));

  ui.route('/ui/static', staticFiles());
  ui.route('/', signinPages(deps, keys));
  ui.route('/admin', adminPages(deps, commands));
  ui.route('/', boardPages(deps));
  ui.route('/', deploymentsPages(deps, commands));
  ui.route('/', livePages(deps));
  ui.route('/', figuresPages(deps));

  ui.route('/', jobsPages(deps, commands));
  ui.route('/', buildsPages(deps, commands));
  ui.route('/', featuresPages(deps));

  // A browser asking for a dashboard page that does not exist gets a page; other clients the API's JSON.
  ui.get('*', async (c, next) => {
    if (isUiPath(c.req.path) && (c.req.header('accept') ?? '').includes('text/html'))
      return renderErrorPage(c, 404, 'Not found', `There is no page at ${c.req.path}.`);
    await next();
  });
  ui.onError(uiOnError);
  return ui;
}
