import type { Context } from 'hono';

/**
 * Job parameters from a run or rebuild form (`param.<NAME>` fields). An empty field is left out, so
 * the parameter's default applies, as when an API caller leaves it out.
 */
export async function formParameters(c: Context): Promise<Record<string, string>> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(await c.req.parseBody()))
    if (name.startsWith('param.') && typeof value === 'string' && value !== '') parameters[name.slice(6)] = value;
  return parameters;
}
