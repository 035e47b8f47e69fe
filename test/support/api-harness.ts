// Route tests with app.request(): no server, no worker, no Temporal. A fresh Postgres database
// (openDatabase runs the migrations), a token per role, and createApp with a fake Temporal client
// (./fake-temporal.ts) for routes that only start, signal or update a workflow.
import { inject } from 'vitest';
import { createApp } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { openDatabase, type Database } from '../../db/client.js';
import { createToken } from '../../db/tokens.js';
import type { SlipwayConfig } from '../../domain/config.js';
import { parseConfig } from '../../infra/config-loader.js';
import { uiRoutes } from '../../ui/app.js';
import { createFakeTemporal, type FakeTemporal } from './fake-temporal.js';
import { freshDatabase } from './pg.js';

/** Two services deployed by Docker through preprod and live; anonymous callers get nothing. */
export const defaultConfigYaml = `
services:
  checkout: { group: 1, deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
  search: { group: 2, deploy: { "*": { type: docker, image: "busybox", command: "true" } } }
`;

const roles = {
  admin: ['admin'],
  requester: ['deploy:request', 'deploy:report'],
  reporter: ['deploy:report'],
  approver: ['deploy:approve'],
  builder: ['build:run', 'jobs:write'],
  reader: ['read'],
} as const;
export type Role = keyof typeof roles;

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null (untyped: tests assert on shapes). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface RequestOptions {
  /** A role's token (default admin), a literal token, or null for none. */
  as?: Role | { token: string } | null;
  /** JSON-encoded unless a string; a JSON content type is added unless `headers` name one. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  app: ReturnType<typeof createApp>;
  database: Database;
  config: SlipwayConfig;
  temporal: FakeTemporal;
  tokens: Record<Role, string>;
  /** How often the webhook gateway poked the relay. */
  pokes(): number;
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  configYaml?: string;
  /** Values of the variables configuration names (webhook secrets). */
  secrets?: Record<string, string>;
  /** Dependencies to replace or add, given the harness's database and Temporal client (e.g. to count probes). */
  deps?: (own: Pick<ApiDeps, 'db' | 'temporal'>) => Partial<ApiDeps>;
}

export async function startApiHarness(opts: HarnessOptions = {}): Promise<ApiHarness> {
  const config = parseConfig(opts.configYaml ?? defaultConfigYaml, 'test-config.yml');
  const pg = await freshDatabase(inject('databaseUrl'));
  const database = await openDatabase({ url: pg.url, max: 4 });
  const temporal = createFakeTemporal();
  const tokens = {} as Record<Role, string>;
  for (const [role, scopes] of Object.entries(roles) as Array<[Role, readonly string[]]>) {
    tokens[role] = (await createToken(database.db, role, [...scopes], 'test')).token;
  }
  let pokes = 0;
  const app = createApp(
    {
      db: database.db,
      pubsub: database.pubsub,
      temporal: temporal.client,
      config,
      taskQueue: 'api-test',
      namespace: 'default',
      temporalUiUrl: null,
      heartbeatMs: 3000,
      version: 'test',
      secret: (v) => opts.secrets?.[v],
      publicUrl: null,
      ...opts.deps?.({ db: database.db, temporal: temporal.client }),
    },
    {
      poke: () => {
        pokes++;
      },
    },
    uiRoutes,
  );

  return {
    app,
    database,
    config,
    temporal,
    tokens,
    pokes: () => pokes,
    async request(method, path, { as = 'admin', body, headers = {} } = {}) {
      const token = as === null ? null : typeof as === 'string' ? tokens[as] : as.token;
      const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
      const res = await app.request(path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && !hasType ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await database.close();
      await pg.drop();
    },
  };
}
