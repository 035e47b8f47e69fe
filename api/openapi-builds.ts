import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AuthEnv } from './auth.js';
import { ErrorSchema } from './openapi.js';

// The build log routes are plain Hono routes (api/routes/build-logs.ts), documented here.

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = { 400: json(ErrorSchema, 'Invalid input; `error.field` names the path in the document'), 404: json(ErrorSchema, 'Not found'), 409: json(ErrorSchema, 'Refused') };
const id = z.object({ id: z.string() });

export function documentBuildLogRoutes(app: OpenAPIHono<AuthEnv>) {
  const r = app.openAPIRegistry;
  r.registerPath({ method: 'get', path: '/builds/{id}/log', summary: 'The whole log as text; ?stage=&step= for one command', request: { params: id }, responses: { 200: { description: 'text/plain' }, ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}/logs/events', summary: 'Live log as Server-Sent Events; resumes after Last-Event-ID', request: { params: id }, responses: { 200: { description: 'text/event-stream' }, ...errors } });
  r.registerPath({ method: 'get', path: '/builds/{id}/logs/ws', summary: 'Live log over a WebSocket, with a heartbeat while idle', request: { params: id }, responses: { 101: { description: 'Switching Protocols' }, ...errors } });
}
