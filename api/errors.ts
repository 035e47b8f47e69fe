import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { logger } from '../infra/logger.js';

// One error type for the API and one place that turns errors into answers.

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly detail?: unknown,
  ) {
    super(status, { message });
  }
}

export const badRequest = (field: string, message: string) =>
  new ApiError(400, 'invalid', `${field}: ${message}`, field);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, detail?: unknown) => new ApiError(409, 'refused', message, undefined, detail);
export const unauthorized = () =>
  new ApiError(401, 'unauthorized', 'a valid API token is required (Authorization: Bearer <token> or access_token)');
export const forbidden = (scope: string) => new ApiError(403, 'forbidden', `this token lacks the scope ${scope}`);
export const unavailable = (message: string) => new ApiError(503, 'unavailable', message);

export function errorBody(err: ApiError) {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.field ? { field: err.field } : {}),
      ...(err.detail !== undefined ? { detail: err.detail } : {}),
    },
  };
}

export function onError(err: Error, c: Context) {
  if (err instanceof ApiError) return c.json(errorBody(err), err.status);
  if (err instanceof HTTPException) return c.json({ error: { code: 'http', message: err.message } }, err.status);
  logger.error({ err, path: c.req.path }, 'unhandled API error');
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}
