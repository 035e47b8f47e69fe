import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BuildRunnerActivities } from '../activities/build-runner.js';
import type { BuildHostActivities } from '../activities/build-host.js';
import type { BuildStoreActivities } from '../activities/build-store.js';
import { buildPlan, type BuildPlan, type PlannedCommand } from '../domain/build-plan.js';
import { commandRecords, type BuildState, type CommandRecord } from '../domain/build-state.js';
import { ErrorType } from '../domain/errors.js';
import type { JobDefinition } from '../domain/job.js';
import { renderTemplate } from '../domain/template.js';
import {
  buildClaimQueue,
  buildStateQuery,
  cancelBuildUpdate,
  type BuildInput,
  type BuildResult,
} from './build.messages.js';
import { settleInterceptorFlags } from './sdk-flags.js';

const store = proxyActivities<BuildStoreActivities>({ startToCloseTimeout: '10s', retry: { maximumInterval: '10s' } });
const nonRetryableErrorTypes = [ErrorType.BadConfig, ErrorType.DockerRejected, ErrorType.Timeout];
const now = () => new Date().toISOString();

type Outcome = 'ok' | 'failed' | 'cancelled' | 'errored';

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
  let cancelledBy: string | null = null;
  let running: CancellationScope | null = null;
  let recordedAt = 0;
  let recordedStatus: BuildState['status'] | null = null;
  const record = () => {
    state.seq += 1;
    recordedAt = Date.now();
    recordedStatus = state.status;
    return store.recordBuild(JSON.parse(JSON.stringify(state)) as BuildState);
  };
  // A projection write per step doubles the activities (and workflow tasks) each step costs. Runs
  // with this patch write step progress at most once a second; a status change and the end state
  // are always written at once.
  const throttleStepRecords = patched('throttle-build-step-records');
  const recordStep = () =>
    !throttleStepRecords || recordedStatus !== state.status || Date.now() - recordedAt >= 1000
      ? record()
      : Promise.resolve();

  settleInterceptorFlags();
  setHandler(buildStateQuery, () => state);
  setHandler(
    cancelBuildUpdate,
    async ({ actor }) => {
      cancelledBy = actor;
      state.reason = `cancelled by ${actor}`;
      running?.cancel();
      await record();
      return state;
    },
    {
      validator: (_cancel) => {
        if (['succeeded', 'failed', 'cancelled', 'errored'].includes(state.status))
          throw new Error(`build #${state.number} is already ${state.status}`);
      },
    },
  );

  await record();
  // Waits (status queued) until some build host takes the claim.
  const hosts = proxyActivities<BuildHostActivities>({
    taskQueue: buildClaimQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s' },
  });
  const host = await hosts.claimBuildHost();
  state.host = host.name;
  const onHost = {
    taskQueue: host.taskQueue,
    scheduleToStartTimeout: '2m',
    heartbeatTimeout: input.heartbeatMs ?? 30_000,
  } as const;
  const runner = proxyActivities<BuildRunnerActivities>({
    ...onHost,
    startToCloseTimeout: '1h',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes },
  });
  const exec = proxyActivities<BuildRunnerActivities>({
    ...onHost,
    startToCloseTimeout: '24h',
    retry: { maximumAttempts: 1 },
  });
  const target = { buildId: input.id, jobPath: input.jobPath, number: input.number };
  const env = {
    ...input.env,
    SLIPWAY_BUILD_ID: input.id,
    SLIPWAY_BUILD_NUMBER: String(input.number),
    SLIPWAY_JOB: input.jobPath,
  };

  const byKey = (key: string) => state.commands.find((c) => c.key === key)!;
  const mark = (c: CommandRecord, patch: Partial<CommandRecord>) => Object.assign(c, patch);

  async function runCommand(cmd: PlannedCommand, cancellable: boolean): Promise<Outcome> {
    const rec = byKey(cmd.key);
    mark(rec, { status: 'running', startedAt: now() });
    const recorded = recordStep();
    const scope = new CancellationScope({ cancellable });
    if (cancellable) running = scope;
    try {
      const r = await scope.run(() =>
        exec.buildExec({
          ...target,
          commandKey: cmd.key,
          command: cmd.command,
          env: { ...env, SLIPWAY_COMMIT: state.commit ?? '' },
          secrets: [],
          timeoutMs: cmd.timeoutMs,
        }),
      );
      const passed = r.exitCode === 0 || cmd.ignoreExitCode;
      mark(rec, {
        status: cmd.kind === 'hook' || passed ? 'succeeded' : 'failed',
        exitCode: r.exitCode,
        finishedAt: now(),
        truncated: r.truncated,
        ...(r.timedOut ? { message: `timed out after ${cmd.timeoutMs / 1000}s` } : {}),
      });
      return passed ? 'ok' : 'failed';
    } catch (err) {
      if (isCancellation(err)) {
        mark(rec, { status: 'cancelled', finishedAt: now() });
        return 'cancelled';
      }
      const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      mark(rec, {
        status: 'errored',
        finishedAt: now(),
        message: `build host ${host.name} stopped running this command: ${cause}`,
      });
      return 'errored';
    } finally {
      running = null;
      await recorded;
    }
  }

  /** Hooks run to the end even after a cancel, and their exit codes never change the result. */
  const hook = async (cmd: PlannedCommand | undefined) => {
    if (cmd) await runCommand(cmd, false);
  };

  async function runPlan(plan: BuildPlan): Promise<Outcome> {
    await hook(plan.onStart);
    let outcome: Outcome = 'ok';
    for (const stage of plan.stages) {
      if (outcome !== 'ok' || cancelledBy) break;
      await hook(stage.onStart);
      for (const step of stage.steps) {
        outcome = cancelledBy ? 'cancelled' : await runCommand(step, true);
        if (outcome !== 'ok') break;
      }
      await hook(outcome === 'ok' && !cancelledBy ? stage.onSuccess : stage.onFailure);
      if (cancelledBy && outcome === 'ok') outcome = 'cancelled';
    }
    await hook(outcome === 'ok' ? plan.onSuccess : plan.onFailure);
    return outcome;
  }

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
    if (!cancelledBy) {
      await runner.buildStart({ ...target, image: job.image, dockerfile: job.dockerfile, env, secrets: [] });
      state.status = 'running';
      state.startedAt = now();
      const outcome = await runPlan(plan);
      if (outcome === 'ok' && job.artifact) {
        const values = { ...env, commit: state.commit ?? '' };
        await store.registerArtifact({
          service: renderTemplate(job.artifact.service, values),
          version: renderTemplate(job.artifact.version, values),
          commit: state.commit,
          buildId: input.id,
        });
      }
      state.status =
        outcome === 'ok' ? 'succeeded' : cancelledBy ? 'cancelled' : outcome === 'errored' ? 'errored' : 'failed';
      if (outcome === 'failed')
        state.reason = `failed at ${state.commands.find((c) => c.status === 'failed')?.key ?? 'a step'}`;
      if (outcome === 'errored')
        state.reason = state.commands.find((c) => c.status === 'errored')?.message ?? 'errored';
    } else {
      state.status = 'cancelled';
    }
  } catch (err) {
    state.status = cancelledBy ? 'cancelled' : 'errored';
    state.reason ??=
      err instanceof ActivityFailure && err.cause
        ? err.cause.message
        : err instanceof Error
          ? err.message
          : String(err);
  } finally {
    for (const c of state.commands) if (c.status === 'pending') c.status = 'skipped';
    await CancellationScope.nonCancellable(async () => {
      try {
        await runner.buildDestroy({ buildId: input.id });
      } catch (err) {
        state.reason = `${state.reason ?? ''}${state.reason ? '; ' : ''}clean-up failed: ${err instanceof ActivityFailure && err.cause ? err.cause.message : String(err)}`;
      }
      state.finishedAt = now();
      await record();
    });
  }
  await condition(allHandlersFinished);
  return { status: state.status, reason: state.reason };
}
