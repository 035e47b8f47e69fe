import { z } from '@hono/zod-openapi';
import { createToken, listTokens, revokeToken } from '../../db/tokens.js';
import { isValidScope } from '../../domain/scopes.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { invalid } from '../openapi.js';

// Tokens for /v1/tokens and the dashboard's admin page alike. The caller checks the admin scope.

export const NewToken = z.strictObject({
  name: z.string().min(1).max(100),
  scopes: z
    .array(
      z
        .string()
        .refine(
          isValidScope,
          'a scope: read, deploy:request, deploy:report, deploy:approve (each also as <scope>:<service>), jobs:write, build:run, provider or admin',
        ),
    )
    .min(1),
});

export function createTokenCommands(deps: ApiDeps) {
  return {
    list: () => listTokens(deps.db),
    /** A new token from unchecked input (a 400 naming the field when bad); its secret is in `token`, once. */
    async create(input: unknown, actor: string) {
      const parsed = NewToken.safeParse(input);
      if (!parsed.success) throw invalid(parsed.error.issues, 'body');
      return createToken(deps.db, parsed.data.name, parsed.data.scopes, actor);
    },
    async revoke(id: string, actor: string): Promise<void> {
      if (!(await revokeToken(deps.db, id, actor))) throw notFound(`token ${id}`);
    },
  };
}

export type TokenCommands = ReturnType<typeof createTokenCommands>;
