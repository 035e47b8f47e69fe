import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../errors.js';
import { onError } from '../errors.js';

// DeployDB's protocol: JSON only (406 for an Accept that excludes it), Dropwizard's error bodies
// ({code, message}; {errors: [...]} for a 422), ids and paging that are integers (400 otherwise).

/** An invalid or over-long field: 422 with DeployDB's `errors` list. */
export const invalidField = (field: string, reason: string) =>
  new ApiError(422, 'invalid', `${field} ${reason}`, field);
/** A status change the resource does not allow. */
export const notAcceptable = (message: string) => new ApiError(406, 'not_acceptable', message);
export const notAllowed = (message: string) => new ApiError(405, 'method_not_allowed', message);
export const malformed = (field: string, reason: string) => new ApiError(400, 'invalid', `${field} ${reason}`, field);

const json = /^(?:\*\/\*|application\/\*|application\/json|application\/vnd\.deploydb\.v1\+json)$/;

export function acceptsJson(): MiddlewareHandler {
  return async (c, next) => {
    const accept = c.req.header('accept');
    if (accept && !accept.split(',').some((part) => json.test(part.split(';')[0]!.trim().toLowerCase())))
      throw notAcceptable(`only application/json is produced, not ${accept}`);
    await next();
  };
}

export function deploydbError(err: Error, c: Context) {
  if (!(err instanceof HTTPException)) return onError(err, c);
  const status = err.status as ContentfulStatusCode;
  const field = err instanceof ApiError ? err.field : undefined;
  if (status === 422) return c.json({ code: status, errors: [err.message], ...(field ? { field } : {}) }, status);
  return c.json({ code: status, message: err.message, ...(field ? { field } : {}) }, status);
}

/** A DeployDB id: a positive integer. */
export function idParam(c: Context, name = 'id'): number {
  const text = c.req.param(name) ?? '';
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw malformed(name, `"${text}" is not a valid id`);
  return Number(text);
}

/** pageNumber from 0, perPageSize 1 to 100 (DeployDB's defaults: 5 for artifacts, 20 for the rest). */
export function paging(c: Context, defaultSize: number): { offset: number; limit: number } {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const text = c.req.query(name);
    if (text === undefined) return fallback;
    if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max)
      throw malformed(name, `"${text}" is not a valid value (${min} to ${max})`);
    return Number(text);
  };
  const page = read('pageNumber', 0, 0, 1_000_000);
  const size = read('perPageSize', defaultSize, 1, 100);
  return { offset: page * size, limit: size };
}

/** DeployDB answers an empty page with 404. */
export function nonEmpty<T>(rows: T[], what: string): T[] {
  if (rows.length === 0) throw new ApiError(404, 'not_found', `no ${what} on this page`);
  return rows;
}

/** Slipway's refusals (409) are DeployDB's 406: a transition the deployment does not allow. */
export async function asTransition<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) throw notAcceptable(err.message);
    throw err;
  }
}
