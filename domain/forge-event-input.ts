import type { RepositoryConfig } from './config.js';
import type { ForgeEvent } from './forge-events.js';

/** One accepted webhook delivery, as the forgeEvent workflow's input (kept in the webhook inbox until handed over). */
export interface ForgeEventInput {
  forge: string;
  deliveryId: string;
  eventType: string;
  events: ForgeEvent[];
  rule: RepositoryConfig;
  /** Base URL for the commit status link back to the build. */
  publicUrl: string | null;
  /** Whether commit statuses can be sent (the forge has an API URL). */
  statuses: boolean;
  heartbeatMs?: number;
}
