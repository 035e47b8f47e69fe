import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  applyGateDecision,
  applyGateReport,
  applyGateTests,
  checkGateDecision,
  checkGateReport,
  checkGateTests,
  openGates,
  type GateDecision,
} from '../domain/gate-rules.js';
import { touch } from '../domain/deployment-state.js';
import {
  approveGateUpdate,
  rejectGateUpdate,
  reportPromotionUpdate,
  type GateDecisionMessage,
  type TestReport,
  type UpdateAnswer,
} from './deployment.messages.js';
import { throwRefusal } from './deployment.facts.js';
import { now, type DeploymentRun } from './deployment.run.js';

// The Updates that decide promotion gates: approveGate / rejectGate for manual gates,
// reportPromotion for `reported` gates, and (through reportTests, while gates wait) the test
// result of tests-reported gates. Validators answer yes or no before anything is recorded; the
// handler applies and projects before it answers.

const decision = (m: GateDecisionMessage): GateDecision => ({ ...m, via: m.via ?? 'api' });

/** Applies a checked decision of a manual gate; also used by the `approve` signal. */
export async function decideGate(
  run: DeploymentRun,
  d: GateDecision,
  kind: 'approve' | 'reject',
): Promise<UpdateAnswer> {
  const { state, plan } = run;
  const check = checkGateDecision(state, plan, d, kind);
  if (!check.ok) throw ApplicationFailure.create({ message: check.reason, nonRetryable: true });
  if (check.duplicate) return { duplicate: true, state };
  const leaf = openGates(state, plan, d.environment)!.find((l) => l.gate.name === d.gate)!;
  applyGateDecision(leaf, d, kind, now());
  touch(state);
  await run.record();
  return { duplicate: false, state };
}

/** While gates wait, a test result goes to their tests-reported gates (reportTests and the testResult signal). */
export const gatesWait = (run: DeploymentRun) => run.state.phase === 'awaiting-gates';

export async function applyGateTestReport(
  run: DeploymentRun,
  report: Pick<TestReport, 'passed' | 'version' | 'actor'>,
  via: 'api' | 'signal',
): Promise<UpdateAnswer> {
  const { state, plan } = run;
  const check = checkGateTests(state, plan, report);
  if (!check.ok) throw ApplicationFailure.create({ message: check.reason, nonRetryable: true });
  if (check.duplicate) return { duplicate: true, state };
  applyGateTests(state, plan, { passed: report.passed, actor: report.actor, via }, now());
  touch(state);
  await run.record();
  return { duplicate: false, state };
}

export function handleGateMessages(run: DeploymentRun): void {
  const { state, plan } = run;
  for (const [update, kind] of [
    [approveGateUpdate, 'approve'],
    [rejectGateUpdate, 'reject'],
  ] as const) {
    setHandler(update, (m) => decideGate(run, decision(m), kind), {
      validator: (m) => throwRefusal(checkGateDecision(state, plan, decision(m), kind)),
    });
  }
  setHandler(
    reportPromotionUpdate,
    async (r) => {
      const check = checkGateReport(state, plan, r);
      if (!check.ok) throw ApplicationFailure.create({ message: check.reason, nonRetryable: true });
      if (check.duplicate) return { duplicate: true, state };
      const leaf = openGates(state, plan, r.environment ?? state.environment)!.find((l) => l.gate.name === r.name)!;
      applyGateReport(leaf, r, now());
      touch(state);
      await run.record();
      return { duplicate: false, state };
    },
    { validator: (r) => throwRefusal(checkGateReport(state, plan, r)) },
  );
}
