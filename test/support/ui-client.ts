// A browser-like client for dashboard route tests with app.request(): it keeps the session cookie,
// reads the CSRF token from the last page, and posts forms as a browser of this origin does.
import type { Hono } from 'hono';

export interface UiPage {
  status: number;
  headers: Headers;
  text: string;
  /** The redirect target, for 3xx answers. */
  location: string | null;
}

export interface UiClient {
  get(path: string, headers?: Record<string, string>): Promise<UiPage>;
  /** Posts a urlencoded form; `_csrf` is the session's token unless the fields name one (or `csrf: false`). */
  post(
    path: string,
    fields?: Record<string, string>,
    opts?: { csrf?: boolean; headers?: Record<string, string> },
  ): Promise<UiPage>;
  /** The CSRF token of the current session (from the last page that showed one, else from a fresh GET /login). */
  csrf(): Promise<string>;
  cookies(): Map<string, string>;
}

export const ORIGIN = 'http://localhost';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function uiClient(app: Hono<any>): UiClient {
  const jar = new Map<string, string>();
  let lastCsrf: string | null = null;

  async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await app.request(`${ORIGIN}${path}`, {
      method,
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers },
      body,
    });
    // A new session cookie means a new CSRF secret: the token of an earlier page is dead.
    if (res.headers.getSetCookie().length > 0) lastCsrf = null;
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) lastCsrf = token;
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }

  const client: UiClient = {
    get: (path, headers = {}) => send('GET', path, headers),
    async post(path, fields = {}, { csrf = true, headers = {} } = {}) {
      const form = new URLSearchParams(fields);
      if (csrf && !('_csrf' in fields)) form.set('_csrf', await client.csrf());
      return send(
        'POST',
        path,
        { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
        form.toString(),
      );
    },
    async csrf() {
      if (!lastCsrf) await send('GET', '/login', {});
      return lastCsrf!;
    },
    cookies: () => jar,
  };
  return client;
}
