import { ActivityFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { BuildPlan, PlannedCommand } from '../domain/build-plan.js';
import type { CommandRecord } from '../domain/build-state.js';
import type { BuildHost } from './build.host.js';
import { now, type BuildRun, type Outcome } from './build.run.js';

// Running a build's plan on its host: the stages' steps in order, each stage's and the plan's hooks.

const mark = (c: CommandRecord, patch: Partial<CommandRecord>) => Object.assign(c, patch);

/** A timeout and the container limit the step hit (out of memory, pids, a full workspace), as its message. */
function stepMessage(timeout: string | undefined, limit: string | undefined): { message?: string } {
  const parts = [timeout, limit && patched('build-limit-reason') ? limit : undefined].filter(Boolean);
  return parts.length ? { message: parts.join('; ') } : {};
}

async function runCommand(run: BuildRun, host: BuildHost, cmd: PlannedCommand, cancellable: boolean): Promise<Outcome> {
  const { state, recordStep } = run;
  const rec = state.commands.find((c) => c.key === cmd.key)!;
  mark(rec, { status: 'running', startedAt: now() });
  const recorded = recordStep();
  const scope = new CancellationScope({ cancellable });
  if (cancellable) run.running = scope;
  try {
    const r = await scope.run(() =>
      host.exec.buildExec({
        ...host.target,
        commandKey: cmd.key,
        command: cmd.command,
        env: { ...host.env, SLIPWAY_COMMIT: state.commit ?? '' },
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
      ...stepMessage(r.timedOut ? `timed out after ${cmd.timeoutMs / 1000}s` : undefined, r.reason),
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
    run.running = null;
    await recorded;
  }
}

/** Hooks run to the end even after a cancel, and their exit codes never change the result. */
const hook = async (run: BuildRun, host: BuildHost, cmd: PlannedCommand | undefined) => {
  if (cmd) await runCommand(run, host, cmd, false);
};

export async function runPlan(run: BuildRun, host: BuildHost, plan: BuildPlan): Promise<Outcome> {
  await hook(run, host, plan.onStart);
  let outcome: Outcome = 'ok';
  for (const stage of plan.stages) {
    if (outcome !== 'ok' || run.cancelledBy) break;
    await hook(run, host, stage.onStart);
    for (const step of stage.steps) {
      outcome = run.cancelledBy ? 'cancelled' : await runCommand(run, host, step, true);
      if (outcome !== 'ok') break;
    }
    await hook(run, host, outcome === 'ok' && !run.cancelledBy ? stage.onSuccess : stage.onFailure);
    if (run.cancelledBy && outcome === 'ok') outcome = 'cancelled';
  }
  await hook(run, host, outcome === 'ok' ? plan.onSuccess : plan.onFailure);
  return outcome;
}
