import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { JobDefinition } from '../domain/job.js';
import type { AuthEnv } from './auth.js';
import { ErrorSchema, bearer } from './openapi.js';

// Job paths contain slashes, which OpenAPI path templates cannot express as one parameter; the
// routes are plain Hono routes, documented here with `path` standing for `folder/…/job`.

const Build = z.looseObject({ id: z.string(), job: z.string(), number: z.number().int(), status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'errored']) }).openapi('Build');
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = { 400: json(ErrorSchema, 'Invalid input; `error.field` names the path in the document'), 404: json(ErrorSchema, 'Not found'), 409: json(ErrorSchema, 'Refused') };
const path = z.object({ path: z.string().openapi({ description: 'folder/…/job' }) });
const id = z.object({ id: z.string() });
const Parameters = z.object({ parameters: z.record(z.string(), z.string()).optional() });

export function documentBuildRoutes(app: OpenAPIHono<AuthEnv>) {
  const r = app.openAPIRegistry;
  r.registerPath({ method: 'get', path: '/jobs', summary: 'The job tree (folders and jobs)', responses: { 200: json(z.object({ jobs: z.array(z.unknown()) }), 'Tree') } });
  r.registerPath({ method: 'put', path: '/jobs/{path}', security: bearer, summary: 'Create or replace a job definition (JSON or YAML body)', request: { params: path, body: { content: { 'application/json': { schema: JobDefinition }, 'application/yaml': { schema: JobDefinition } } } }, responses: { 201: json(z.unknown(), 'Created'), 200: json(z.unknown(), 'Replaced'), ...errors } });
  r.registerPath({ method: 'get', path: '/jobs/{path}', summary: 'A job definition (secret defaults masked)', request: { params: path }, responses: { 200: json(z.unknown(), 'The job'), ...errors } });
  r.registerPath({ method: 'delete', path: '/jobs/{path}', security: bearer, summary: 'Retire a job (its build numbers are never reused)', request: { params: path }, responses: { 200: json(z.object({ retired: z.boolean() }), 'Retired'), ...errors } });
  r.registerPath({ method: 'get', path: '/jobs/{path}/builds', summary: 'Builds of a job, newest first', request: { params: path, query: z.object({ limit: z.number().int().optional(), before: z.number().int().optional() }) }, responses: { 200: json(z.object({ builds: z.array(Build), next: z.number().nullable() }), 'A page'), ...errors } });
  r.registerPath({ method: 'post', path: '/jobs/{path}/builds', security: bearer, summary: 'Trigger a build', request: { params: path, body: { content: { 'application/json': { schema: Parameters } } } }, responses: { 201: json(Build, 'Triggered'), ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}', summary: 'A build: status, per stage/step status, exit codes, timings, parameters (secrets masked), commit, links', request: { params: id }, responses: { 200: json(Build, 'The build'), ...errors } });
  r.registerPath({ method: 'post', path: '/builds/{id}/cancel', security: bearer, summary: 'Cancel: kills the running step, runs onFailure hooks, removes the container', request: { params: id }, responses: { 200: json(Build, 'Cancelling'), ...errors } });
  r.registerPath({ method: 'post', path: '/builds/{id}/rebuild', security: bearer, summary: 'The same job, parameters and commit again (secret values must be given again)', request: { params: id, body: { content: { 'application/json': { schema: Parameters } } } }, responses: { 201: json(Build, 'Triggered'), ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}/log', summary: 'The whole log as text; ?stage=&step= for one command', request: { params: id }, responses: { 200: { description: 'text/plain' }, ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}/logs/events', summary: 'Live log as Server-Sent Events; resumes after Last-Event-ID', request: { params: id }, responses: { 200: { description: 'text/event-stream' }, ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}/logs/ws', summary: 'Live log over a WebSocket, with a heartbeat while idle', request: { params: id }, responses: { 101: { description: 'Switching Protocols' }, ...errors } });
}
