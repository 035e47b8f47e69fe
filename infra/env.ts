import { z } from 'zod';

// The only place process.env is read. Every variable is documented in README.md.
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  SLIPWAY_DATA_DIR: z.string().default('data'),
  DATABASE_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().optional(),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  TEMPORAL_PORT: z.coerce.number().int().default(7233),
  SLIPWAY_TASK_QUEUE: z.string().default('slipway'),
  SLIPWAY_CONFIG: z.string().default('slipway.demo.yml'),
  SLIPWAY_ADMIN_TOKEN: z.string().min(16, 'SLIPWAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  SLIPWAY_PUBLIC_URL: z.string().optional(),
  /** Signs dashboard session cookies; every API replica needs the same value (default: data dir's session-secret). */
  SLIPWAY_SESSION_SECRET: z.string().min(32, 'SLIPWAY_SESSION_SECRET must be at least 32 characters').optional(),
  SLIPWAY_HEARTBEAT_SECONDS: z.coerce.number().positive().default(30),
  DOCKER_HOST: z.string().optional(),
  /** Name of this build host (its task queue); default: the machine's host name; "off": no builds here. */
  SLIPWAY_BUILD_HOST: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  /** Workflows a worker keeps in memory; others are replayed when they next wake (bounds worker memory). */
  SLIPWAY_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().optional(),
});
export type Env = z.infer<typeof Env>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Secrets that configuration refers to by variable name (Jenkins tokens). */
export function secretFromEnv(name: string | undefined, source: NodeJS.ProcessEnv = process.env): string | undefined {
  return name ? source[name] : undefined;
}
