import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middleware/auth.js';
import { NewToken, type TokenCommands } from './commands.js';
import { bearer, errorResponses, jsonResponse as json, v1App } from '../openapi.js';

const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('Token');

const create = createRoute({
  method: 'post',
  path: '/',
  security: bearer,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: NewToken,
        },
      },
    },
  },
  responses: {
    201: json(Token.extend({ token: z.string().openapi({ description: 'shown once' }) }), 'Created'),
    ...errorResponses,
  },
});
const list = createRoute({
  method: 'get',
  path: '/',
  security: bearer,
  responses: { 200: json(z.object({ tokens: z.array(Token) }), 'All tokens, without secrets'), ...errorResponses },
});
const revoke = createRoute({
  method: 'delete',
  path: '/{id}',
  security: bearer,
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: json(z.object({ revoked: z.boolean() }), 'Revoked'), ...errorResponses },
});

const view = (t: { id: string; name: string; scopes: string[]; createdAt: Date; revokedAt: Date | null }) => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  createdAt: t.createdAt.toISOString(),
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

export function tokenRoutes(tokens: TokenCommands) {
  const app = v1App();
  app.openapi(create, async (c) => {
    const principal = requireScope(c, 'admin');
    const body = c.req.valid('json');
    const { token, info } = await tokens.create(body, principal.name);
    return c.json({ ...view(info), token }, 201);
  });
  app.openapi(list, async (c) => {
    requireScope(c, 'admin');
    return c.json({ tokens: (await tokens.list()).map(view) }, 200);
  });
  app.openapi(revoke, async (c) => {
    const principal = requireScope(c, 'admin');
    const { id } = c.req.valid('param');
    await tokens.revoke(id, principal.name);
    return c.json({ revoked: true }, 200);
  });
  return app;
}
