// Token scopes. The deployment scopes may be narrowed to one service: deploy:request:<service>,
// deploy:report:<service>, deploy:approve:<service>; the plain scope means every service.
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

/** The scopes that may be narrowed to one service. */
export const ServiceScopes = ['deploy:request', 'deploy:report', 'deploy:approve'] as const;
export type ServiceScope = (typeof ServiceScopes)[number];

export const isServiceScope = (scope: Scope): scope is ServiceScope =>
  (ServiceScopes as readonly string[]).includes(scope);

export function isValidScope(text: string): boolean {
  return (
    (Scopes as readonly string[]).includes(text) || /^deploy:(?:request|report|approve):[A-Za-z0-9._-]+$/.test(text)
  );
}

/** admin implies everything; any token may read; a plain deployment scope covers every service's narrowed one. */
export function hasScope(granted: readonly string[], needed: Scope, service?: string): boolean {
  if (granted.includes('admin')) return true;
  if (needed === 'read') return true;
  if (granted.includes(needed)) return true;
  return isServiceScope(needed) && service !== undefined && granted.includes(`${needed}:${service}`);
}

/** How a missing scope is named in a refusal: with its narrowed form when a service is concerned. */
export function scopeWording(scope: Scope, service?: string): string {
  return service !== undefined && isServiceScope(scope) ? `${scope} (or ${scope}:${service})` : scope;
}
