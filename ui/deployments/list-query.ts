import { z } from 'zod';
import type { SlipwayConfig } from '../../domain/config.js';
import { boardEnvironments } from '../../domain/board-environments.js';
import { OctopushStatuses } from '../../domain/statuses.js';
import { PageError } from '../errors.js';

// The filters and page of /deployments, from its query string. An empty field means "any" (the
// filter form sends every field); an unknown value is a 400 page naming the field, never a 500.

export const PAGE_SIZE = 25;

export interface ListQuery {
  service?: string;
  status?: (typeof OctopushStatuses)[number];
  environment?: string;
  before?: number;
  after?: number;
}

const pageNumber = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);

export function parseListQuery(config: SlipwayConfig, query: Record<string, string>): ListQuery {
  const blank = (v: unknown) => (v === '' ? undefined : v);
  const schema = z.object({
    service: z.preprocess(blank, z.enum(Object.keys(config.services) as [string, ...string[]]).optional()),
    status: z.preprocess(blank, z.enum(OctopushStatuses).optional()),
    environment: z.preprocess(blank, z.enum(boardEnvironments(config) as [string, ...string[]]).optional()),
    before: z.preprocess(blank, pageNumber.optional()),
    after: z.preprocess(blank, pageNumber.optional()),
  });
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'query');
    throw new PageError(400, 'Bad request', `The filter "${field}" has a value no deployment can have.`);
  }
  return parsed.data;
}

/** The query string of a list page: the filters, and the page boundary if any. */
export function listSearch(q: ListQuery): string {
  const params = new URLSearchParams();
  for (const key of ['service', 'status', 'environment', 'before', 'after'] as const) {
    const value = q[key];
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
