import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuthEnv } from './auth.js';
import { errorBody, badRequest } from './errors.js';

// Every /v1 sub-app is an OpenAPIHono whose validation failures answer 400 naming the field.

export function v1App() {
  return new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0]!;
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      const field = path.length ? path.map(String).join('.') : result.target;
      return c.json(errorBody(badRequest(field, issue.message)), 400);
    },
  });
}

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), detail: z.unknown().optional() }),
}).openapi('Error');

export const errorResponses = {
  400: { description: 'Invalid input; `error.field` names the field', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: 'No valid token', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'The token lacks a scope', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'Not found', content: { 'application/json': { schema: ErrorSchema } } },
  409: { description: 'Refused in the current state; `error.message` says why', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

export const bearer = [{ bearer: [] }];
