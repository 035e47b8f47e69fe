import type { ForgeEvent } from '../domain/forge-events.js';
import type { RepositoryConfig } from '../domain/config.js';

// One accepted webhook delivery. Its workflow id is derived from the delivery id, so a redelivery
// (or a retried HTTP request) starts nothing new: deduplication is Temporal's id uniqueness.

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

export const forgeEventWorkflowId = (scope: string, forge: string, deliveryId: string) => `hook-${forge}-${deliveryId}@${scope}`;
