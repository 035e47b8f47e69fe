import type { Client } from '@temporalio/client';
import type { Db, PubSub } from '../db/client.js';
import type { SlipwayConfig } from '../domain/config.js';
import type { LockTuning } from '../workflows/environment-lock.messages.js';

/** Everything the API needs, built by the entry point (api/main.ts or infra/start.ts) or a test. */
export interface ApiDeps {
  db: Db;
  /** LISTEN/NOTIFY on the same database: live build logs reach any API replica through it. */
  pubsub: PubSub;
  temporal: Client;
  config: SlipwayConfig;
  /** Orchestration task queue; also scopes workflow ids. */
  taskQueue: string;
  namespace: string;
  /** Base URL of the Temporal Web UI, for links; null when unknown. */
  temporalUiUrl: string | null;
  /** How soon a dead worker's deployer activity is retried elsewhere. */
  heartbeatMs: number;
  version: string;
  /** Checks a configured Jenkins server answers (for /health); absent → not checked. */
  pingJenkins?: (server: string) => Promise<void>;
  /** How long one probe of each dependency answers /health and /readyz (default 5 s). */
  healthCacheMs?: number;
  /** Idle time before a live-log heartbeat (default 15 s). */
  logHeartbeatMs?: number;
  /** Resolves a secret named by configuration (webhook secrets): an environment variable's value. */
  secret: (variable: string) => string | undefined;
  /** Base URL people reach this API at, for links sent to forges; null when unknown. */
  publicUrl?: string | null;
  /** How lock workflows run when the pause switch starts one: the workers' lock tuning (defaults when absent). */
  lockTuning?: LockTuning;
  /** Key that signs dashboard session cookies (SLIPWAY_SESSION_SECRET or the data dir's session-secret);
   * absent → a random key per process, so sessions end when it restarts. */
  sessionSecret?: string;
}
