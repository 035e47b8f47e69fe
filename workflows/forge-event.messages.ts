import { executeChild } from '@temporalio/workflow';
import type { ForgeEventInput } from '../domain/forge-event-input.js';

// One accepted webhook delivery. Its workflow id is derived from the delivery id, so a redelivery
// (or a retried HTTP request) starts nothing new: deduplication is Temporal's id uniqueness.

export type { ForgeEventInput } from '../domain/forge-event-input.js';

export const forgeEventWorkflowId = (scope: string, forge: string, deliveryId: string) =>
  `hook-${forge}-${deliveryId}@${scope}`;

export const forgeEventWorkflowType = 'forgeEvent';

/** A delivery's workflow, started by the webhook relay; an id used before is refused, never run twice. */
export function forgeEventStartOptions(workflowId: string, input: ForgeEventInput, taskQueue: string) {
  return {
    workflowId,
    taskQueue,
    args: [input] as [ForgeEventInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    workflowIdConflictPolicy: 'FAIL' as const,
  };
}

/** A polled push, handled as a child of the poll like a webhook delivery; a repeated poll's child is refused as a duplicate. */
export function executeForgeEvent(workflowId: string, input: ForgeEventInput): Promise<{ builds: string[] }> {
  return executeChild<(input: ForgeEventInput) => Promise<{ builds: string[] }>>(forgeEventWorkflowType, {
    workflowId,
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
}
