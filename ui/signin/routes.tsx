import { Hono, type Context } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { findToken } from '../../db/tokens.js';
import { gateApproverTeams } from '../../domain/gate-rules.js';
import { scopesForGitHubUser } from '../../domain/ui-config.js';
import { logger } from '../../infra/logger.js';
import type { UiEnv } from '../env.js';
import { PageError } from '../errors.js';
import { startSession, type SessionKeys } from '../session.js';
import { gitHubSignIn, type GitHubSignIn } from './github.js';
import { LoginPage } from './login-page.js';
import { safeNext } from './next.js';
import { beginOAuth, finishOAuth } from './oauth-state.js';

// /login (an API token, or GitHub when configured), /login/github and its callback, /logout. Each
// sign-in starts a new session (a new CSRF secret); signing out keeps a visitor's session only.

export function signinPages(deps: ApiDeps, keys: SessionKeys) {
  const app = new Hono<UiEnv>();
  const github = deps.config.ui.github;
  let client: GitHubSignIn | null = null;
  const gitHubClient = (): GitHubSignIn => {
    if (!github) throw new PageError(404, 'Not found', 'GitHub sign-in is not configured.');
    const secret = deps.secret(github.clientSecretEnv);
    if (!secret)
      throw new PageError(503, 'GitHub sign-in unavailable', `The variable ${github.clientSecretEnv} is not set.`);
    return (client ??= gitHubSignIn(github, secret));
  };
  const callbackUrl = (c: Context) =>
    `${deps.publicUrl ? new URL(deps.publicUrl).origin : new URL(c.req.url).origin}/login/github/callback`;
  const page = (c: Context<UiEnv>, next: string, error?: string, status: 200 | 401 | 403 = 200) =>
    c.html(
      <LoginPage
        viewer={c.get('viewer')}
        csrfToken={c.get('csrfToken')}
        next={next}
        gitHub={github !== undefined}
        scopes={c.get('principal').scopes}
        error={error}
      />,
      status,
    );

  app.get('/login', (c) => page(c, safeNext(c.req.query('next'))));

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const next = safeNext(body.next);
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    if (!token) return page(c, next, 'Enter an API token.', 401);
    const found = await findToken(deps.db, token);
    if (!found) return page(c, next, 'That token is unknown or revoked.', 401);
    await startSession(c, keys, { kind: 'token', id: found.id });
    return c.redirect(next, 303);
  });

  app.post('/logout', async (c) => {
    await startSession(c, keys, undefined);
    return c.redirect('/', 303);
  });

  app.get('/login/github', async (c) => {
    const signIn = gitHubClient();
    const state = await beginOAuth(c, keys, safeNext(c.req.query('next')));
    return c.redirect(signIn.authorizationUrl(state, callbackUrl(c)), 302);
  });

  app.get('/login/github/callback', async (c) => {
    const signIn = gitHubClient();
    const { code, state, error } = c.req.query();
    const started = await finishOAuth(c, keys, state ?? '');
    if (!started) return page(c, '/', 'That GitHub sign-in was not started here, or took too long: try again.', 403);
    if (error || !code) return page(c, started.next, 'GitHub did not sign you in.', 403);
    let identity;
    try {
      identity = await signIn.identify(code, state!, callbackUrl(c));
    } catch (err) {
      // The error's request would carry the client secret or the user's token: log only what failed.
      const status = (err as { status?: unknown }).status;
      logger.warn({ status, message: (err as Error).message }, 'GitHub sign-in failed');
      throw new PageError(502, 'GitHub sign-in failed', 'GitHub did not confirm the sign-in: try again.');
    }
    const scopes = scopesForGitHubUser(github!, identity.login, identity.teams);
    if (scopes.length === 0)
      return page(
        c,
        started.next,
        `The GitHub account ${identity.login} is in no team this Slipway grants rights to: ask an administrator.`,
        403,
      );
    // Only the teams gates name are kept: the cookie stays small whatever the user belongs to.
    const named = gateApproverTeams(deps.config);
    const teams = identity.teams.map((t) => `${t.org}/${t.slug}`.toLowerCase()).filter((t) => named.has(t));
    await startSession(c, keys, { kind: 'github', login: identity.login, scopes, teams });
    return c.redirect(started.next, 303);
  });

  return app;
}
