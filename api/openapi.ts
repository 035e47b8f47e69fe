import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import type { AuthEnv } from './middleware/auth.js';
import { badRequest, errorBody, type ApiError } from './errors.js';

// Every /v1 and /hooks sub-app is an OpenAPIHono whose validation failures answer 400 naming the field.

/** A failed check as a 400: its first issue's path names the field (`where` when the path is empty). */
export function invalid(issues: readonly z.core.$ZodIssue[], where: string): ApiError {
  const issue = issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  return badRequest(path.length ? path.map(String).join('.') : where, issue.message);
}

/** zod-openapi's hook for a failed check of params, query, headers or a JSON body. */
export function validationHook(
  result: { target: string } & ({ success: true } | { success: false; error: { issues: z.core.$ZodIssue[] } }),
  c: Context,
) {
  if (!result.success) return c.json(errorBody(invalid(result.error.issues, result.target)), 400);
}

export function v1App() {
  return new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      detail: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const errorResponses = {
  400: jsonResponse(ErrorSchema, 'Invalid input; `error.field` names the field'),
  401: jsonResponse(ErrorSchema, 'No valid token'),
  403: jsonResponse(ErrorSchema, 'The token lacks a scope'),
  404: jsonResponse(ErrorSchema, 'Not found'),
  409: jsonResponse(ErrorSchema, 'Refused in the current state; `error.message` says why'),
} as const;

export const bearer = [{ bearer: [] }];

/**
 * A body checked by api/middleware/parsed-body.ts, documented by reference to a schema the sub-app
 * registers (`app.openAPIRegistry.register(name, schema)`): given as a zod schema here, zod-openapi
 * would check the body itself, as JSON only.
 */
export function bodyByReference(name: string, mediaTypes: string[] = ['application/json'], required = true) {
  const schema = { $ref: `#/components/schemas/${name}` };
  return { required, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema }])) };
}

/**
 * A path parameter spanning segments (a job path, folder/…/job) is written with Hono's patterns
 * `{path{.+}}` and `{path{.+/builds}}` (Hono's RegExpRouter does not match `{path{.+}}/builds`);
 * the document shows the plain templates `{path}` and `{path}/builds`.
 */
export const documentedPath = (path: string) => path.replace(/\{(\w+)\{\.\+((?:\/[\w-]+)*)\}\}/g, '{$1}$2');

/** Serves the OpenAPI 3.1 document of `app`'s routes at `path`. */
export function serveDocument<E extends Env>(
  app: OpenAPIHono<E>,
  path: string,
  config: Parameters<OpenAPIHono['getOpenAPI31Document']>[0],
) {
  app.get(path, (c) => {
    const document = app.getOpenAPI31Document(config);
    document.paths = Object.fromEntries(
      Object.entries(document.paths ?? {}).map(([p, item]) => [documentedPath(p), item]),
    );
    return c.json(document);
  });
}
