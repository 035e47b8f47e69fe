import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { sameSecret, servedOverHttps, type SessionKeys } from '../session.js';

// The OAuth `state` of a GitHub sign-in in progress: a random value in a short-lived signed cookie,
// compared with the one GitHub sends back, so a callback started by someone else is refused.

const COOKIE = 'slipway_oauth';
const PATH = '/login/github';
const LIFETIME_MS = 10 * 60 * 1000;

interface OAuthState {
  state: string;
  next: string;
  exp: number;
}

export async function beginOAuth(c: Context, keys: SessionKeys, next: string): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  const value: OAuthState = { state, next, exp: Date.now() + LIFETIME_MS };
  await setSignedCookie(c, COOKIE, Buffer.from(JSON.stringify(value)).toString('base64url'), keys.secret, {
    path: PATH,
    httpOnly: true,
    sameSite: 'Lax',
    secure: servedOverHttps(c, keys.publicUrl),
    maxAge: LIFETIME_MS / 1000,
  });
  return state;
}

/** The sign-in's `next` when `state` is the one this browser started with; null otherwise. Used once. */
export async function finishOAuth(c: Context, keys: SessionKeys, state: string): Promise<{ next: string } | null> {
  const raw = await getSignedCookie(c, keys.secret, COOKIE);
  deleteCookie(c, COOKIE, { path: PATH, secure: servedOverHttps(c, keys.publicUrl) });
  if (!raw) return null;
  try {
    const saved = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Partial<OAuthState>;
    if (typeof saved.state !== 'string' || typeof saved.next !== 'string' || typeof saved.exp !== 'number') return null;
    if (saved.exp < Date.now() || !sameSecret(state, saved.state)) return null;
    return { next: saved.next };
  } catch {
    return null;
  }
}
