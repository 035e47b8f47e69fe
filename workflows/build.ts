import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { buildPlan } from '../domain/build-plan.js';
import { commandRecords, type BuildState } from '../domain/build-state.js';
import type { JobDefinition } from '../domain/job.js';
import { renderTemplates } from '../domain/template.js';
import { buildStateQuery, cancelBuildUpdate, type BuildInput, type BuildResult } from './build.messages.js';
import { claimBuildHost, onBuildHost } from './build.host.js';
import { buildRun, now, store, type BuildRun, type Outcome } from './build.run.js';
import { runPlan } from './build.steps.js';
import { settleInterceptorFlags } from './sdk-flags.js';

/**
 * One run of a job. Claims a build host, then every activity runs on that host's task queue (it
 * holds the workspace): checkout, start the container, the commands in the seed's order, destroy.
 * A step is never retried (re-running a command is not safe); a host that dies mid-step ends the
 * build as errored with the reason, and the container and workspace are always removed.
 */
export async function build(input: BuildInput): Promise<BuildResult> {
  const state: BuildState = {
    id: input.id,
    jobPath: input.jobPath,
    number: input.number,
    status: 'queued',
    commands: [],
    commit: null,
    ref: input.ref ?? input.definition.repository?.ref ?? null,
    host: null,
    reason: null,
    startedAt: null,
    finishedAt: null,
    seq: 1,
  };
  // A projection write per step doubles the activities (and workflow tasks) each step costs. Runs
  // with this patch write step progress at most once a second; a status change and the end state
  // are always written at once.
  const run = buildRun(input, state, patched('throttle-build-step-records'));

  settleInterceptorFlags();
  setHandler(buildStateQuery, () => state);
  setHandler(
    cancelBuildUpdate,
    async ({ actor }) => {
      run.cancelledBy = actor;
      state.reason = `cancelled by ${actor}`;
      run.running?.cancel();
      await run.record();
      return state;
    },
    {
      validator: (_cancel) => {
        if (['succeeded', 'failed', 'cancelled', 'errored'].includes(state.status))
          throw new Error(`build #${state.number} is already ${state.status}`);
      },
    },
  );

  await run.record();
  const claimed = await claimBuildHost();
  state.host = claimed.name;
  const host = onBuildHost(input, claimed);
  const { runner, target, env } = host;

  let job: JobDefinition = input.definition;
  try {
    const checkout = await runner.buildCheckout({
      ...target,
      repository: job.repository ? { url: job.repository.url, ref: state.ref ?? job.repository.ref } : undefined,
      secrets: [],
    });
    state.commit = checkout.commit;
    if (checkout.jobFile) job = await store.parseJobFile({ text: checkout.jobFile, repository: job.repository });
    const plan = buildPlan(job);
    state.commands = commandRecords(plan);
    if (!run.cancelledBy) {
      const confined = patched('build-confinement') ? { limits: job.limits, user: job.user } : {};
      await runner.buildStart({
        ...target,
        image: job.image,
        dockerfile: job.dockerfile,
        env,
        secrets: [],
        ...confined,
      });
      state.status = 'running';
      state.startedAt = now();
      const outcome = await runPlan(run, host, plan);
      if (outcome === 'ok' && job.artifact && mayRegisterArtifact(input)) {
        const values = { ...env, commit: state.commit ?? '' };
        const artifact = renderTemplates(job.artifact, values);
        await store.registerArtifact({ ...artifact, commit: state.commit, buildId: input.id });
      }
      settle(run, outcome);
    } else {
      state.status = 'cancelled';
    }
  } catch (err) {
    state.status = run.cancelledBy ? 'cancelled' : 'errored';
    state.reason ??= causeOf(err);
  } finally {
    for (const c of state.commands) if (c.status === 'pending') c.status = 'skipped';
    await CancellationScope.nonCancellable(async () => {
      try {
        await runner.buildDestroy({ buildId: input.id });
      } catch (err) {
        state.reason = `${state.reason ?? ''}${state.reason ? '; ' : ''}clean-up failed: ${err instanceof ActivityFailure && err.cause ? err.cause.message : String(err)}`;
      }
      state.finishedAt = now();
      await run.record();
    });
  }
  await condition(allHandlersFinished);
  return { status: state.status, reason: state.reason };
}

/**
 * An untrusted build's (a pull request's) `artifact:` comes from the code under test, so it is
 * ignored: such code must not name a version that a deployment may later take. A patch, since it
 * drops a command; inputs from before it carry no `trusted` and keep registering.
 */
function mayRegisterArtifact(input: BuildInput): boolean {
  return input.trusted !== false || !patched('untrusted-build-registers-no-artifact');
}

/** The build's status and reason once its plan ran. */
function settle({ state, cancelledBy }: BuildRun, outcome: Outcome): void {
  state.status =
    outcome === 'ok' ? 'succeeded' : cancelledBy ? 'cancelled' : outcome === 'errored' ? 'errored' : 'failed';
  if (outcome === 'failed')
    state.reason = `failed at ${state.commands.find((c) => c.status === 'failed')?.key ?? 'a step'}`;
  if (outcome === 'errored') state.reason = state.commands.find((c) => c.status === 'errored')?.message ?? 'errored';
}

function causeOf(err: unknown): string {
  return err instanceof ActivityFailure && err.cause
    ? err.cause.message
    : err instanceof Error
      ? err.message
      : String(err);
}
