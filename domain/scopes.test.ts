import { describe, expect, it } from 'vitest';
import { hasScope, isValidScope, scopeWording } from './scopes.js';

describe('scopes per service', () => {
  it('accepts the deployment scopes narrowed to a service, and nothing else narrowed', () => {
    for (const scope of ['deploy:request:checkout', 'deploy:report:checkout', 'deploy:approve:check.out-2'])
      expect(isValidScope(scope), scope).toBe(true);
    for (const scope of ['build:run:checkout', 'admin:checkout', 'deploy:request:', 'deploy:request:a b', 'deploy'])
      expect(isValidScope(scope), scope).toBe(false);
  });

  it.each([
    { granted: ['deploy:request'], needed: 'deploy:request', service: 'search', has: true },
    { granted: ['deploy:request:checkout'], needed: 'deploy:request', service: 'checkout', has: true },
    { granted: ['deploy:request:checkout'], needed: 'deploy:request', service: 'search', has: false },
    { granted: ['deploy:request:checkout'], needed: 'deploy:request', service: undefined, has: false },
    { granted: ['deploy:report:checkout'], needed: 'deploy:report', service: 'checkout', has: true },
    { granted: ['deploy:report:checkout'], needed: 'deploy:request', service: 'checkout', has: false },
    { granted: ['deploy:approve:checkout'], needed: 'deploy:approve', service: 'checkout', has: true },
    { granted: ['deploy:approve:checkout'], needed: 'deploy:approve', service: 'search', has: false },
    { granted: ['admin'], needed: 'deploy:approve', service: 'search', has: true },
  ] as const)('$granted for $needed of $service: $has', ({ granted, needed, service, has }) => {
    expect(hasScope(granted, needed, service)).toBe(has);
  });

  it('names the narrowed form in refusals about a service', () => {
    expect(scopeWording('deploy:report', 'checkout')).toBe('deploy:report (or deploy:report:checkout)');
    expect(scopeWording('deploy:report')).toBe('deploy:report');
    expect(scopeWording('build:run', 'checkout')).toBe('build:run');
  });
});
