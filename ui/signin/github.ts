import { OAuthApp, Octokit } from 'octokit';
import type { UiGitHubConfig } from '../../domain/ui-config.js';

// GitHub's OAuth web flow through octokit's OAuthApp (the sign-in page and the code exchange on the
// web host), then the user's login and teams from the REST API with the user's token. The token is
// used for these two reads only: it is neither stored nor shown.

export interface GitHubIdentity {
  login: string;
  teams: Array<{ org: string; slug: string }>;
}

export interface GitHubSignIn {
  authorizationUrl(state: string, redirectUrl: string): string;
  identify(code: string, state: string, redirectUrl: string): Promise<GitHubIdentity>;
}

export function gitHubSignIn(config: UiGitHubConfig, clientSecret: string): GitHubSignIn {
  const web = config.webUrl.replace(/\/+$/, '');
  const api = config.apiUrl.replace(/\/+$/, '');
  const app = new OAuthApp({
    clientType: 'oauth-app',
    clientId: config.clientId,
    clientSecret,
    // octokit derives the OAuth host from the request's base URL: the web host, not the API.
    Octokit: Octokit.defaults({ baseUrl: web }),
    defaultScopes: ['read:org'],
  });
  return {
    authorizationUrl: (state, redirectUrl) =>
      app.getWebFlowAuthorizationUrl({ state, redirectUrl, scopes: ['read:org'] }).url,
    async identify(code, state, redirectUrl) {
      const { authentication } = await app.createToken({ code, state, redirectUrl });
      const user = new Octokit({ auth: authentication.token, baseUrl: api, retry: { enabled: false } });
      const { data: me } = await user.rest.users.getAuthenticated();
      const teams = await user.paginate(user.rest.teams.listForAuthenticatedUser, { per_page: 100 });
      return { login: me.login, teams: teams.map((t) => ({ org: t.organization.login, slug: t.slug })) };
    },
  };
}
