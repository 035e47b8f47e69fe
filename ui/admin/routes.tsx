import { Hono, type Context } from 'hono';
import { can } from '../../api/middleware/auth.js';
import { ApiError } from '../../api/errors.js';
import type { AppCommands } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { own } from '../../domain/own.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { requireViewer } from '../guard.js';
import { AdminPage, type AdminPageProps } from './admin-page.js';

// /admin: the pause switch (all environments or one) and API tokens, through the queue and token
// commands of /v1/queue and /v1/tokens. Readers see the pause state; only admins get buttons.

const notices: Record<string, string> = {
  paused: 'Paused.',
  resumed: 'Resumed.',
  revoked: 'Token revoked.',
};

export function adminPages(deps: ApiDeps, commands: Pick<AppCommands, 'queue' | 'tokens'>) {
  const app = new Hono<UiEnv>();

  async function render(c: Context<UiEnv>, extra: Partial<AdminPageProps> = {}, status: 200 | 400 = 200) {
    const isAdmin = can(c.get('principal'), 'admin');
    const props: AdminPageProps = {
      viewer: c.get('viewer'),
      csrfToken: c.get('csrfToken'),
      isAdmin,
      paused: await commands.queue.paused(),
      tokens: isAdmin ? await commands.tokens.list() : [],
      ...extra,
    };
    // A page with a new token's secret must not stay in any cache.
    c.header('cache-control', 'no-store');
    return c.html(<AdminPage {...props} />, status);
  }

  const environment = (c: Context<UiEnv>): string | undefined => {
    const env = c.req.param('env');
    if (env !== undefined && !own(deps.config.environments, env))
      throw new PageError(404, 'Not found', `There is no environment ${env}.`);
    return env;
  };

  app.get('/', (c) => {
    requireViewer(c, 'read');
    return render(c, { notice: notices[c.req.query('done') ?? ''] });
  });

  for (const path of ['/queue/:action{pause|resume}', '/queue/:env/:action{pause|resume}']) {
    app.post(path, async (c) => {
      const principal = requireViewer(c, 'admin');
      const env = environment(c);
      if (c.req.param('action') === 'pause') await commands.queue.pause(env, principal.name);
      else await commands.queue.resume(env, principal.name);
      return c.redirect(`/admin?done=${c.req.param('action') === 'pause' ? 'paused' : 'resumed'}`, 303);
    });
  }

  app.post('/tokens', async (c) => {
    const principal = requireViewer(c, 'admin');
    const body = await c.req.parseBody({ all: true });
    const checked = [body.scopes ?? []].flat().filter((s): s is string => typeof s === 'string');
    const typed = typeof body.serviceScopes === 'string' ? body.serviceScopes.split(/[\s,]+/).filter(Boolean) : [];
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    try {
      const { token, info } = await commands.tokens.create({ name, scopes: [...checked, ...typed] }, principal.name);
      return await render(c, { created: { name: info.name, secret: token } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) return render(c, { error: err.message }, 400);
      throw err;
    }
  });

  app.post('/tokens/:id/revoke', async (c) => {
    const principal = requireViewer(c, 'admin');
    await commands.tokens.revoke(c.req.param('id'), principal.name);
    return c.redirect('/admin?done=revoked', 303);
  });

  return app;
}
