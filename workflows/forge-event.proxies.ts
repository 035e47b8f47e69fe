import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BuildStoreActivities } from '../activities/build-store.js';
import type { ForgeActivities } from '../activities/forge.js';
import type { JobLinkActivities } from '../activities/job-links.js';
import { ErrorType } from '../domain/errors.js';

// The activities a webhook delivery (forge-event.ts, forge-event.features.ts) runs.

const retry = { maximumInterval: '30s', nonRetryableErrorTypes: [ErrorType.BadConfig, ErrorType.ForgeRejected] };
export const links = proxyActivities<JobLinkActivities>({ startToCloseTimeout: '1m', retry });
// Retries past 10 s wait as server timers, so a database outage does not hold workflow tasks open
// in the worker's small cache (where deployments and locks need room).
const localLinks = proxyLocalActivities<JobLinkActivities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry,
});
export const store = proxyActivities<BuildStoreActivities>({ startToCloseTimeout: '30s', retry });
export const forge = proxyActivities<ForgeActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumAttempts: 20 },
});

/**
 * The delivery's own records (feature links, the delivery row) are a few idempotent upserts (and a
 * NOTIFY per feature key, harmless when repeated): as local activities they run inside the workflow
 * task instead of costing the Temporal server and the worker an activity task and another workflow
 * task each, so a push that builds nothing takes one workflow task, not two, and a burst of webhooks
 * drains sooner. Workflows started before the patch keep scheduling them as activities (replayed
 * from test/fixtures/histories/forge-event-push.json).
 */
export function records(): Pick<JobLinkActivities, 'linkFeatures' | 'recordDelivery'> {
  return patched('forge-event-local-records') ? localLinks : links;
}
