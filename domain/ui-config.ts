import { z } from 'zod';
import { isValidScope } from './scopes.js';

// The dashboard's sign-in settings (`ui:` in the configuration). GitHub sign-in maps team membership
// (and single logins) to Slipway scopes; the GitHub login is then the actor name, so a service's
// `approvers` list may name GitHub logins. The client secret is named by its variable, never written here.

const scope = z
  .string()
  .refine(
    isValidScope,
    'a scope: read, deploy:request, deploy:report, deploy:approve (each also as <scope>:<service>), jobs:write, build:run, provider or admin',
  );

export const UiGitHubConfig = z.strictObject({
  /** The OAuth app's client id (public). */
  clientId: z.string().min(1),
  /** Name of the environment variable holding the OAuth app's client secret. */
  clientSecretEnv: z.string().min(1),
  /** Where people sign in (GitHub Enterprise: https://ghe.example.com). */
  webUrl: z.url().default('https://github.com'),
  /** REST API base (GitHub Enterprise: https://ghe.example.com/api/v3). */
  apiUrl: z.url().default('https://api.github.com'),
  /** "<org>/<team-slug>" → the scopes its members get (matched without regard to case, as on GitHub). */
  teams: z.record(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'an "<org>/<team-slug>" key'), z.array(scope)).default({}),
  /** GitHub login → extra scopes for that person. */
  users: z.record(z.string().min(1), z.array(scope)).default({}),
});

export const UiConfig = z.strictObject({
  /** Sign in with GitHub; absent: API-token sign-in only. */
  github: UiGitHubConfig.optional(),
});

export type UiGitHubConfig = z.infer<typeof UiGitHubConfig>;
export type UiConfig = z.infer<typeof UiConfig>;

/**
 * The scopes a GitHub user gets: those of every mapped team they are in, and those named for their
 * login. Empty when none apply: such a user is not let in (anyone can sign in to an OAuth app).
 */
export function scopesForGitHubUser(
  config: UiGitHubConfig,
  login: string,
  teams: Array<{ org: string; slug: string }>,
): string[] {
  const granted = new Set<string>();
  const mapped = new Map(Object.entries(config.teams).map(([key, scopes]) => [key.toLowerCase(), scopes]));
  for (const team of teams) for (const s of mapped.get(`${team.org}/${team.slug}`.toLowerCase()) ?? []) granted.add(s);
  const byLogin = Object.entries(config.users).find(([name]) => name.toLowerCase() === login.toLowerCase());
  for (const s of byLogin?.[1] ?? []) granted.add(s);
  return [...granted];
}
