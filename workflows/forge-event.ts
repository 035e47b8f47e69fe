import { ChildWorkflowFailure } from '@temporalio/workflow';
import type { ForgeEvent } from '../domain/forge-events.js';
import { jobAction } from '../domain/job-links.js';
import { executeBuild, type BuildResult } from './build.messages.js';
import { keysOf, linkToFeatures } from './forge-event.features.js';
import type { ForgeEventInput } from './forge-event.messages.js';
import { forge, links, records, store } from './forge-event.proxies.js';

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
    // An argument, not a command: histories from before `label` replay unchanged.
    await links.ensureJobCopy({ parent: action.parent, copy: action.copy, ref: action.ref, label: action.label });
    if (action.supersede)
      await links.cancelRunningBuilds({ jobPath: action.copy, actor: `a newer push (${action.commit.slice(0, 12)})` });
    const build = await store.allocateBuildOnce({
      jobPath: action.copy,
      parameters: {},
      trigger: `webhook ${input.forge} ${input.deliveryId}`,
      ref: action.ref,
      // Data only, no new command: a delivery replayed from before this field allocates as it did;
      // one not yet at this point allocates by the trust rule (domain/job-links.ts).
      trusted: action.trusted,
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

function summary(event: ForgeEvent): Record<string, unknown> {
  if (event.kind === 'pull_request')
    return { kind: event.kind, action: event.action, number: event.number, branch: event.branch, commit: event.commit };
  if (event.kind === 'push')
    return { kind: event.kind, branch: event.branch, commit: event.commit, deleted: event.deleted };
  return { kind: event.kind, tag: event.tag, commit: event.commit };
}
