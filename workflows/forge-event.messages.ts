// One accepted webhook delivery. Its workflow id is derived from the delivery id, so a redelivery
// (or a retried HTTP request) starts nothing new: deduplication is Temporal's id uniqueness.

export type { ForgeEventInput } from '../domain/forge-event-input.js';

export const forgeEventWorkflowId = (scope: string, forge: string, deliveryId: string) => `hook-${forge}-${deliveryId}@${scope}`;
