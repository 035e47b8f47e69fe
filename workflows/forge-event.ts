import { ChildWorkflowFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BuildStoreActivities } from '../activities/build-store.js';
import type { ForgeActivities } from '../activities/forge.js';
import type { JobLinkActivities } from '../activities/job-links.js';
import { ErrorType } from '../domain/errors.js';
import { featureKeys } from '../domain/feature-keys.js';
import type { ForgeEvent } from '../domain/forge-events.js';
import { jobAction } from '../domain/job-links.js';
import { executeBuild, type BuildResult } from './build.messages.js';
import type { ForgeEventInput } from './forge-event.messages.js';

const retry = { maximumInterval: '30s', nonRetryableErrorTypes: [ErrorType.BadConfig, ErrorType.ForgeRejected] };
const links = proxyActivities<JobLinkActivities>({ startToCloseTimeout: '1m', retry });
// Retries past 10 s wait as server timers, so a database outage does not hold workflow tasks open
// in the worker's small cache (where deployments and locks need room).
const localLinks = proxyLocalActivities<JobLinkActivities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry,
});
const store = proxyActivities<BuildStoreActivities>({ startToCloseTimeout: '30s', retry });
const forge = proxyActivities<ForgeActivities>({
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumAttempts: 20 },
});

/**
 * The delivery's own records (feature links, the delivery row) are a few idempotent upserts (and a
 * NOTIFY per feature key, harmless when repeated): as local activities they run inside the workflow task instead of costing the Temporal server and the
 * worker an activity task and another workflow task each, so a push that builds nothing takes one
 * workflow task, not two, and a burst of webhooks drains sooner. Workflows started before the
 * patch keep scheduling them as activities (replayed from test/fixtures/histories/forge-event-push.json).
 */
function records(): Pick<JobLinkActivities, 'linkFeatures' | 'recordDelivery'> {
  return patched('forge-event-local-records') ? localLinks : links;
}

const forgeState = (status: BuildResult['status']) =>
  status === 'succeeded' ? 'success' : status === 'failed' ? 'failure' : 'error';

/**
 * One webhook delivery: for each event, link it to its features, then build the PR's or branch's
 * job copy (cancelling a PR's superseded builds) or retire the copy, and report the build's state
 * back to the forge as a commit status. Exactly one build per delivery and copy: the allocation
 * is keyed by the delivery, and the build's workflow id by its number.
 */
export async function forgeEvent(input: ForgeEventInput): Promise<{ builds: string[] }> {
  const built: string[] = [];
  for (const event of input.events) {
    await linkToFeatures(event, input);
    const action = jobAction(input.rule, event);
    if (!action) continue;
    if (action.action === 'retire') {
      await links.retireJobCopy({ copy: action.copy });
      continue;
    }
    await links.ensureJobCopy({ parent: action.parent, copy: action.copy, ref: action.ref });
    if (action.supersede)
      await links.cancelRunningBuilds({ jobPath: action.copy, actor: `a newer push (${action.commit.slice(0, 12)})` });
    const build = await store.allocateBuildOnce({
      jobPath: action.copy,
      parameters: {},
      trigger: `webhook ${input.forge} ${input.deliveryId}`,
      ref: action.ref,
    });
    built.push(build.id);
    const status = async (state: 'pending' | 'success' | 'failure' | 'error', description: string) => {
      if (!input.statuses) return;
      await forge.forgeSetCommitStatus({
        server: input.forge,
        repo: event.repo.fullName,
        sha: action.commit,
        state,
        context: input.rule.statusContext,
        description,
        ...(input.publicUrl ? { targetUrl: `${input.publicUrl}/v1/builds/${encodeURIComponent(build.id)}` } : {}),
      });
    };
    await status('pending', `build #${build.number} of ${action.copy} is running`);
    let result: BuildResult;
    try {
      result = await executeBuild({ ...build, heartbeatMs: input.heartbeatMs });
    } catch (err) {
      result = {
        status: 'errored',
        reason: err instanceof ChildWorkflowFailure && err.cause ? err.cause.message : String(err),
      };
    }
    await status(
      forgeState(result.status),
      `build #${build.number} ${result.status}${result.reason ? `: ${result.reason}` : ''}`,
    );
    await records().linkFeatures({
      keys: keysOf(event),
      repo: event.repo.fullName,
      kind: 'build',
      ref: build.id,
      detail: { job: action.copy, number: build.number, status: result.status, commit: action.commit },
    });
  }
  const first = input.events[0]!;
  await records().recordDelivery({
    id: `${input.forge}:${input.deliveryId}`,
    forge: input.forge,
    event: input.eventType,
    repo: first.repo.fullName,
    summary: summary(first),
    builds: built,
  });
  return { builds: built };
}

/** `#42` means an issue of this repository: it becomes `owner/repo#42`, unique across repositories. */
function keysOf(event: ForgeEvent): string[] {
  const text =
    event.kind === 'pull_request' ? `${event.branch} ${event.title}` : event.kind === 'push' ? event.branch : event.tag;
  return featureKeys(text).map((k) => (k.startsWith('#') ? `${event.repo.fullName}${k}` : k));
}

async function linkToFeatures(event: ForgeEvent, input: ForgeEventInput): Promise<void> {
  const keys = keysOf(event);
  if (keys.length === 0) return;
  if (event.kind === 'pull_request') {
    await records().linkFeatures({
      keys,
      repo: event.repo.fullName,
      kind: 'pull_request',
      ref: String(event.number),
      detail: { title: event.title, action: event.action, branch: event.branch, commit: event.commit, url: event.url },
    });
  }
  if (event.kind === 'pull_request' || event.kind === 'push') {
    await records().linkFeatures({
      keys,
      repo: event.repo.fullName,
      kind: 'branch',
      ref: event.branch,
      detail: { commit: event.commit },
    });
  }
  // GitHub issues are the planning provider: an issue key gets its title and state.
  if (event.vendor === 'github' && input.statuses) {
    for (const key of keys.filter((k) => k.includes('#'))) {
      const issue = await forge.forgeIssue({
        server: input.forge,
        repo: event.repo.fullName,
        number: Number(key.split('#')[1]),
      });
      if (issue)
        await links.describeFeature({
          key,
          title: issue.title,
          state: issue.state,
          url: issue.url,
          provider: 'github-issues',
        });
    }
  }
}

function summary(event: ForgeEvent): Record<string, unknown> {
  if (event.kind === 'pull_request')
    return { kind: event.kind, action: event.action, number: event.number, branch: event.branch, commit: event.commit };
  if (event.kind === 'push')
    return { kind: event.kind, branch: event.branch, commit: event.commit, deleted: event.deleted };
  return { kind: event.kind, tag: event.tag, commit: event.commit };
}
