// The `ui:` settings: GitHub team and login mappings to scopes, validated like the rest of the file.
import { describe, expect, it } from 'vitest';
import { SlipwayConfig } from './config.js';
import { scopesForGitHubUser, UiGitHubConfig } from './ui-config.js';

const services = { web: { deploy: { '*': { type: 'docker', image: 'busybox', command: 'true' } } } };

describe('ui.github', () => {
  it('defaults to GitHub.com, and to no GitHub sign-in at all', () => {
    expect(SlipwayConfig.parse({ services }).ui).toEqual({});
    const config = SlipwayConfig.parse({ services, ui: { github: { clientId: 'x', clientSecretEnv: 'GH' } } });
    expect(config.ui.github).toMatchObject({ webUrl: 'https://github.com', apiUrl: 'https://api.github.com' });
  });

  it('names the field of a bad team key or scope', () => {
    const bad = (github: unknown) => SlipwayConfig.safeParse({ services, ui: { github } }).error?.issues[0]?.path;
    const base = { clientId: 'x', clientSecretEnv: 'GH' };
    expect(bad({ ...base, teams: { 'no-slash': ['read'] } })).toEqual(['ui', 'github', 'teams', 'no-slash']);
    expect(bad({ ...base, teams: { 'acme/ops': ['root'] } })).toEqual(['ui', 'github', 'teams', 'acme/ops', 0]);
    expect(bad({ ...base, users: { alice: ['deploy:approve:bad service'] } })).toEqual([
      'ui',
      'github',
      'users',
      'alice',
      0,
    ]);
    expect(bad({ clientId: 'x' })).toEqual(['ui', 'github', 'clientSecretEnv']);
  });

  it('maps teams and logins to scopes, without regard to case; nothing when none applies', () => {
    const config = UiGitHubConfig.parse({
      clientId: 'x',
      clientSecretEnv: 'GH',
      teams: { 'Acme/Release': ['deploy:approve:web', 'read'], 'acme/devs': ['deploy:request'] },
      users: { Boss: ['admin'] },
    });
    expect(scopesForGitHubUser(config, 'carol', [{ org: 'acme', slug: 'release' }]).sort()).toEqual([
      'deploy:approve:web',
      'read',
    ]);
    expect(
      scopesForGitHubUser(config, 'boss', [
        { org: 'ACME', slug: 'devs' },
        { org: 'other', slug: 'release' },
      ]).sort(),
    ).toEqual(['admin', 'deploy:request']);
    expect(scopesForGitHubUser(config, 'mallory', [{ org: 'other', slug: 'release' }])).toEqual([]);
  });
});
