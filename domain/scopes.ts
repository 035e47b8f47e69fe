// Token scopes. deploy:approve may be narrowed to one service: deploy:approve:<service>.
// jobs:write edits job definitions; build:run triggers, cancels and rebuilds builds; provider is
// the client token of an outside provider (a CI server reporting its builds, Ployst-style).
export const Scopes = [
  'read',
  'deploy:request',
  'deploy:report',
  'deploy:approve',
  'jobs:write',
  'build:run',
  'provider',
  'admin',
] as const;
export type Scope = (typeof Scopes)[number];

export function isValidScope(text: string): boolean {
  return (Scopes as readonly string[]).includes(text) || /^deploy:approve:[A-Za-z0-9._-]+$/.test(text);
}

/** admin implies everything; any token may read; deploy:approve covers every service's deploy:approve:<service>. */
export function hasScope(granted: readonly string[], needed: Scope, service?: string): boolean {
  if (granted.includes('admin')) return true;
  if (needed === 'read') return true;
  if (granted.includes(needed)) return true;
  return needed === 'deploy:approve' && service !== undefined && granted.includes(`deploy:approve:${service}`);
}
