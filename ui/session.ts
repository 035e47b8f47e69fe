import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { Principal } from '../api/middleware/auth.js';
import type { Db } from '../db/client.js';
import { findActiveTokenById } from '../db/tokens.js';
import type { UiEnv, Viewer } from './env.js';

// Dashboard sessions live in one signed cookie (HMAC-SHA256, HTTP-only, SameSite=Lax, Secure over
// https): who signed in — an API token by its id (never its secret), or a GitHub login with the
// scopes its teams map to — and the session's CSRF secret. Every visitor gets one, so that the
// sign-in form is itself CSRF-protected. A token session is checked against the database on each
// request: a revoked token ends it at once, and a changed scope list applies at once.

export const SESSION_COOKIE = 'slipway_session';
/** How long a sign-in lasts; a GitHub sign-in's team scopes are read again at the next one. */
export const SIGNED_IN_MS = 12 * 60 * 60 * 1000;

export type SignedInAs =
  | { kind: 'token'; id: string }
  /** `teams`: the user's teams that promotion gates name as approvers ("<org>/<slug>"), read at sign-in. */
  | { kind: 'github'; login: string; scopes: string[]; teams?: string[] };

export interface Session {
  csrf: string;
  who?: SignedInAs;
  /** Epoch milliseconds after which the cookie is ignored. */
  exp: number;
}

export interface SessionKeys {
  secret: string;
  /** Base URL people reach Slipway at: an https one makes the cookie Secure behind a proxy too. */
  publicUrl: string | null | undefined;
}

const newCsrf = () => randomBytes(32).toString('base64url');

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  if (typeof s.csrf !== 'string' || typeof s.exp !== 'number') return false;
  if (s.who === undefined) return true;
  const who = s.who as Record<string, unknown>;
  if (who.kind === 'token') return typeof who.id === 'string';
  return (
    who.kind === 'github' &&
    typeof who.login === 'string' &&
    Array.isArray(who.scopes) &&
    who.scopes.every((x) => typeof x === 'string') &&
    (who.teams === undefined || (Array.isArray(who.teams) && who.teams.every((x) => typeof x === 'string')))
  );
}

export const servedOverHttps = (c: Context, publicUrl: string | null | undefined) =>
  new URL(c.req.url).protocol === 'https:' || (publicUrl ?? '').startsWith('https:');

export async function readSession(c: Context, keys: SessionKeys): Promise<Session | null> {
  const value = await getSignedCookie(c, keys.secret, SESSION_COOKIE);
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString());
    return isSession(parsed) && parsed.exp > Date.now() ? parsed : null;
  } catch {
    return null;
  }
}

export async function writeSession(c: Context, keys: SessionKeys, session: Session): Promise<void> {
  const value = Buffer.from(JSON.stringify(session)).toString('base64url');
  await setSignedCookie(c, SESSION_COOKIE, value, keys.secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: servedOverHttps(c, keys.publicUrl),
    ...(session.who ? { maxAge: Math.floor((session.exp - Date.now()) / 1000) } : {}),
  });
}

/** A visitor's session: nobody signed in, a fresh CSRF secret. */
export const visitorSession = (): Session => ({ csrf: newCsrf(), exp: Date.now() + SIGNED_IN_MS });

/** Signing in (or out) starts a new session with a new CSRF secret: nothing of the old one carries over. */
export async function startSession(c: Context, keys: SessionKeys, who: SignedInAs | undefined): Promise<void> {
  await writeSession(c, keys, { ...visitorSession(), ...(who ? { who } : {}) });
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function viewerOf(principal: Principal): Viewer {
  if (principal.anonymous || principal.invalid) return { name: 'anonymous', via: 'anonymous', signedIn: false };
  return { name: principal.name, via: 'token', signedIn: true };
}

/**
 * Sets `principal` as the API's authentication would for the session's token (or from the GitHub
 * sign-in), `viewer`, and `csrfToken`. Without a session the API's principal (bearer or anonymous) stays.
 */
export function sessions(db: Db, keys: SessionKeys): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    let session = await readSession(c, keys);
    let changed = session === null;
    session ??= visitorSession();
    let principal: Principal = c.get('principal');
    let viewer = viewerOf(principal);
    if (session.who?.kind === 'token') {
      const token = await findActiveTokenById(db, session.who.id);
      if (token) {
        principal = { name: token.name, scopes: token.scopes, anonymous: false };
        viewer = { name: token.name, via: 'token', signedIn: true };
      } else {
        session = visitorSession();
        changed = true;
      }
    } else if (session.who?.kind === 'github') {
      principal = { name: session.who.login, scopes: session.who.scopes, teams: session.who.teams, anonymous: false };
      viewer = { name: session.who.login, via: 'github', signedIn: true };
    }
    c.set('principal', principal);
    c.set('viewer', viewer);
    c.set('csrfToken', session.csrf);
    if (changed) await writeSession(c, keys, session);
    await next();
  };
}
