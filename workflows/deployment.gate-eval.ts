import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { parseDuration } from '../domain/duration.js';
import { combinedStatus, decide } from '../domain/gate-tree.js';
import type { Gate, GateResult } from '../domain/promotions.js';
import type { EnvironmentStep } from '../domain/service-plan.js';
import { runJenkinsGate } from './deployment.gate-jenkins.js';
import { probeUntil } from './deployment.gate-probe.js';
import { now, type DeploymentRun } from './deployment.run.js';

// Evaluating one gate of a step into its result. Leaves decided from outside (manual, reported,
// tests-reported) are decided by the message handlers; here they only wait, up to their expiry.
// Jenkins and webhook gates do their own work. A combination runs its parts concurrently and is
// decided as soon as its outcome is known; the parts it no longer needs are cancelled.

export interface GateContext {
  run: DeploymentRun;
  step: EnvironmentStep;
  /** Projects the results so far (and what is still pending). */
  progress(): Promise<void>;
}

/** Resolves once `result` is decided (or when cancelled); never fails for the gate's own reasons. */
export async function evaluateGate(ctx: GateContext, gate: Gate, result: GateResult): Promise<void> {
  try {
    switch (gate.type) {
      case 'all-of':
      case 'any-of':
        return await evaluateCombination(ctx, gate, result);
      case 'manual':
      case 'reported':
      case 'tests-reported':
        return await awaitDecision(ctx, result, gate.expiresAfter);
      case 'jenkins':
        return await runJenkinsGate(ctx, gate, result);
      case 'webhook':
        return await probeUntil(ctx, gate, result);
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    decide(result, 'failed', `could not be evaluated: ${err instanceof Error ? err.message : String(err)}`, now());
    await ctx.progress();
  }
}

async function awaitDecision(ctx: GateContext, result: GateResult, expiresAfter: string): Promise<void> {
  const ms = parseDuration(expiresAfter)!;
  if (await condition(() => result.status !== 'pending', ms)) return;
  decide(result, 'failed', `no decision within ${expiresAfter}`, now());
  await ctx.progress();
}

async function evaluateCombination(
  ctx: GateContext,
  gate: Extract<Gate, { type: 'all-of' | 'any-of' }>,
  result: GateResult,
): Promise<void> {
  const parts = result.parts!;
  const scope = new CancellationScope();
  const running = scope.run(() => Promise.all(gate.of.map((g, i) => evaluateGate(ctx, g, parts[i]!))));
  running.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  await condition(() => combinedStatus(gate.type, parts) !== 'pending');
  scope.cancel();
  const status = combinedStatus(gate.type, parts) as 'passed' | 'failed';
  const decisive = parts.filter((p) => p.status === status).map((p) => `"${p.name}"`);
  for (const part of parts)
    if (part.status === 'pending') part.reason = `not needed: "${gate.name}" was decided without it`;
  const reason =
    gate.type === 'all-of'
      ? status === 'passed'
        ? 'all parts passed'
        : `${decisive.join(', ')} failed`
      : status === 'passed'
        ? `${decisive.join(', ')} passed`
        : 'every part failed';
  decide(result, status, reason, now());
  await ctx.progress();
}
