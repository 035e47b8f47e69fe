import { ActivityFailure, CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { JenkinsActivities } from '../activities/jenkins.js';
import { parseDuration } from '../domain/duration.js';
import { decide } from '../domain/gate-tree.js';
import type { Gate, GateResult } from '../domain/promotions.js';
import { renderTemplate } from '../domain/template.js';
import { nonRetryableErrorTypes } from './deployment.deployers.js';
import type { GateContext } from './deployment.gate-eval.js';
import { correlationId } from './deployment.messages.js';
import { now } from './deployment.run.js';

// A jenkins gate: every listed job runs for this version. Each run is triggered with
// `versionParameter=<version>` (and the gate's parameters), waited for, and then read back: only a
// successful run whose recorded parameters name this version counts. A run that names another
// version (a rebuild with changed parameters, a job that drops the parameter) is evidence with
// counted:false, and fails the gate. The first job that fails decides; `timeout` bounds them all.

type JenkinsGate = Extract<Gate, { type: 'jenkins' }>;
type Outcome = { ok: true } | { ok: false; reason: string };

export async function runJenkinsGate(ctx: GateContext, gate: JenkinsGate, result: GateResult): Promise<void> {
  const { version } = ctx.run.state;
  const outcomes: Array<Outcome | null> = gate.jobs.map(() => null);
  const scope = new CancellationScope();
  const running = scope.run(() =>
    Promise.all(
      gate.jobs.map(async (job, i) => {
        outcomes[i] = await runJob(ctx, gate, job, result);
        await ctx.progress();
      }),
    ),
  );
  running.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  const failed = () => outcomes.find((o): o is { ok: false; reason: string } => o?.ok === false);
  const settled = await condition(
    () => failed() !== undefined || outcomes.every((o) => o !== null),
    parseDuration(gate.timeout)!,
  );
  scope.cancel();
  const failure = failed();
  if (failure) decide(result, 'failed', failure.reason, now());
  else if (!settled) decide(result, 'failed', `not every job succeeded for ${version} within ${gate.timeout}`, now());
  else decide(result, 'passed', `${gate.jobs.join(', ')} succeeded for ${version}`, now());
  await ctx.progress();
}

async function runJob(ctx: GateContext, gate: JenkinsGate, job: string, result: GateResult): Promise<Outcome> {
  const { state, plan, input } = ctx.run;
  const jenkins = proxyActivities<JenkinsActivities>({
    startToCloseTimeout: gate.timeout,
    heartbeatTimeout: input.heartbeatMs ?? 30_000,
    retry: { maximumInterval: '30s', maximumAttempts: 30, nonRetryableErrorTypes },
  });
  const values = {
    service: plan.service,
    version: state.version,
    environment: ctx.step.environment,
    deploymentId: state.id,
    requestor: state.requestor,
  };
  const parameters = Object.fromEntries(
    Object.entries(gate.parameters).map(([name, template]) => [name, renderTemplate(template, values)]),
  );
  // Ours wins: a parameter template cannot make the run name another version.
  parameters[gate.versionParameter] = state.version;
  const ref = { server: gate.server, job };
  try {
    const triggered = await jenkins.jenkinsTrigger({
      ...ref,
      parameters,
      correlation: {
        name: 'SLIPWAY_DEPLOYMENT',
        value: `${correlationId(state.id, ctx.step.environment)}#${gate.name}#${job}`,
      },
    });
    const build = { ...ref, buildNumber: triggered.buildNumber };
    const status = await jenkins.jenkinsAwaitBuild(build);
    const recorded = await jenkins.jenkinsBuildParameters(build);
    const ran = recorded[gate.versionParameter];
    const counted = ran === state.version;
    // Only the parameters the gate sets are evidence: the job's other parameters are not ours to show.
    const shown = Object.fromEntries(Object.keys(parameters).map((name) => [name, recorded[name] ?? '']));
    result.evidence.push({
      kind: 'jenkins',
      job,
      url: status.buildUrl,
      number: status.buildNumber,
      parameters: shown,
      result: status.result,
      counted,
      at: now(),
    });
    if (!counted)
      return {
        ok: false,
        reason: `${job} #${status.buildNumber} ran for ${gate.versionParameter}=${ran ?? '(none)'}, not ${state.version}: it does not count`,
      };
    if (status.result !== 'SUCCESS')
      return { ok: false, reason: `${job} #${status.buildNumber} finished ${status.result}` };
    return { ok: true };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return { ok: false, reason: `${job}: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}
