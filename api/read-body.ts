import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { parse as parseYaml } from 'yaml';
import { badRequest } from './errors.js';
import { invalid } from './openapi.js';

// Bodies zod-openapi does not check itself. It reads JSON and form bodies only and answers 415 to
// any other content type; but job documents come as YAML too, and Jenkins' notifier and `curl -d`
// send JSON under other content types, which these routes have always read as JSON. Such a route
// documents its body with bodyByReference (./openapi.ts) and reads it here, with the same 400.
// Called in the handler, so a bad path parameter is named before a bad body.

export interface ReadBodyOptions<T> {
  /** YAML when the content type says yaml (job documents); JSON otherwise. */
  yaml?: boolean;
  /** What an empty body stands for; without it an empty body is not valid JSON. */
  empty?: T;
}

/** The body, parsed and checked by `schema`; 400 naming the field when it is not valid. */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: ReadBodyOptions<z.input<S>> = {},
): Promise<z.output<S>> {
  const yaml = opts.yaml === true && /ya?ml/.test(c.req.header('content-type') ?? '');
  const text = await c.req.text();
  let raw: unknown = opts.empty;
  if (opts.empty === undefined || text.trim()) {
    try {
      raw = yaml ? parseYaml(text) : JSON.parse(text);
    } catch (err) {
      throw badRequest('body', `not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const result = await schema.safeParseAsync(raw);
  if (!result.success) throw invalid(result.error.issues, 'body');
  return result.data;
}
