import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../api/errors.js';
import { logger } from '../infra/logger.js';
import type { UiEnv, Viewer } from './env.js';
import { Layout } from './layout.js';

// Pages answer errors as pages: a refusal, a missing record or a bad form is shown in the layout
// with its status, never as the API's JSON.

/** A page-level refusal or absence, shown as an HTML page with this status. */
export class PageError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** Not signed in where a page needs someone: the guard sends the browser to /login?next=… */
export class SignInRequired extends Error {
  constructor(readonly next: string) {
    super('sign-in required');
  }
}

const nobody: Viewer = { name: 'anonymous', via: 'anonymous', signedIn: false };

export function renderErrorPage(
  c: Context<UiEnv>,
  status: ContentfulStatusCode,
  title: string,
  message: string,
): Response | Promise<Response> {
  const viewer = c.get('viewer') ?? nobody;
  const csrfToken = c.get('csrfToken') ?? '';
  return c.html(
    <Layout title={title} viewer={viewer} csrfToken={csrfToken}>
      <h1>{title}</h1>
      <p class="error-message">{message}</p>
      {!viewer.signedIn && status === 403 ? (
        <p>
          <a href={`/login?next=${encodeURIComponent(c.req.path)}`}>Sign in</a> with an account that may.
        </p>
      ) : (
        <p>
          <a href="/">Back to the environments</a>
        </p>
      )}
    </Layout>,
    status,
  );
}

const titles: Partial<Record<number, string>> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Refused',
  503: 'Unavailable',
};

export function uiOnError(err: Error, c: Context<UiEnv>): Response | Promise<Response> {
  if (err instanceof SignInRequired) return c.redirect(`/login?next=${encodeURIComponent(err.next)}`, 303);
  if (err instanceof PageError) return renderErrorPage(c, err.status, err.title, err.message);
  if (err instanceof ApiError) return renderErrorPage(c, err.status, titles[err.status] ?? 'Refused', err.message);
  if (err instanceof HTTPException) return err.getResponse();
  logger.error({ err, path: c.req.path }, 'unhandled dashboard error');
  return renderErrorPage(c, 500, 'Something went wrong', 'The error is in the server log.');
}
