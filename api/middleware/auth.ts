import type { Context, MiddlewareHandler } from 'hono';
import { findToken } from '../../db/tokens.js';
import type { Db } from '../../db/client.js';
import { hasScope, scopeWording, type Scope } from '../../domain/scopes.js';
import { forbidden, unauthorized } from '../errors.js';

// Who is calling: a bearer token, or Octopush's access_token (query, form or JSON), or nobody.
// Anonymous callers get the scopes the configuration grants to anonymous (Octopush drop-in).
// Bodies are read for a token only on the Octopush POST routes that take access_token as a field
// (docs/octopush-api.md): no other route's body is parsed before its handler decides to.
const bodyTokenRoute = /^\/jobs\/(?:create|[^/]+\/register_test_job_(?:url|result))$/;

/** `invalid`: a token was sent but is unknown or revoked; every scope check then answers 401. */
export interface Principal {
  name: string;
  scopes: string[];
  anonymous: boolean;
  invalid?: boolean;
  /** The caller's teams ("<org>/<slug>", e.g. from a GitHub login), for gate approvers written "team:<org>/<slug>". */
  teams?: string[];
}

export type AuthEnv = { Variables: { principal: Principal } };

async function bodyToken(c: Context): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  try {
    if (type.includes('application/json')) {
      const body = await c.req.json<Record<string, unknown>>();
      return typeof body?.access_token === 'string' ? body.access_token : undefined;
    }
    if (type.includes('form')) {
      const body = await c.req.parseBody();
      return typeof body.access_token === 'string' ? body.access_token : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function authenticate(db: Db, anonymousScopes: string[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const basic = header?.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString().split(':').slice(1).join(':')
      : undefined;
    const secret = header?.startsWith('Bearer ')
      ? header.slice(7).trim()
      : (basic ??
        c.req.query('access_token') ??
        (c.req.method === 'POST' && bodyTokenRoute.test(c.req.path) ? await bodyToken(c) : undefined));
    if (secret) {
      const token = await findToken(db, secret);
      c.set(
        'principal',
        token
          ? { name: token.name, scopes: token.scopes, anonymous: false }
          : { name: 'invalid token', scopes: [], anonymous: false, invalid: true },
      );
    } else {
      c.set('principal', { name: 'anonymous', scopes: anonymousScopes, anonymous: true });
    }
    await next();
  };
}

export function can(principal: Principal, scope: Scope, service?: string): boolean {
  if (principal.invalid) return false;
  if (principal.anonymous && scope === 'read') return principal.scopes.includes('read');
  return hasScope(principal.scopes, scope, service);
}

export function requireScope<E extends AuthEnv>(c: Context<E>, scope: Scope, service?: string): Principal {
  const principal: Principal = c.get('principal');
  if (can(principal, scope, service)) return principal;
  if (principal.anonymous || principal.invalid) throw unauthorized();
  throw forbidden(scopeWording(scope, service));
}
