import { setHandler } from '@temporalio/workflow';
import { applyApproval, applyTestReport, checkApproval, checkTestReport } from '../domain/deployment-rules.js';
import { touch } from '../domain/deployment-state.js';
import { approverMatches, checkGateDecision, checkGateTests, openGates } from '../domain/gate-rules.js';
import { applyGateTestReport, decideGate, gatesWait } from './deployment.gate-handlers.js';
import { approveSignal, testResultSignal } from './deployment.messages.js';
import { now, type DeploymentRun } from './deployment.run.js';

// The operators' signals: `approve` {by, reason?} and `testResult` {passed, by}, sent from the
// Temporal Web UI or CLI. They follow the rules of the Updates (approver list, the requester never
// approves, version binding), but a signal cannot be answered, and a throwing signal handler would
// fail the workflow task: a refusal is recorded in the state, with its reason, instead.

const MAX_REFUSALS_KEPT = 50;

async function refuse(run: DeploymentRun, signal: string, by: string, reason: string): Promise<void> {
  const refused = (run.state.refusedSignals ??= []);
  refused.push({ signal, by, reason, at: now() });
  if (refused.length > MAX_REFUSALS_KEPT) refused.splice(0, refused.length - MAX_REFUSALS_KEPT);
  touch(run.state);
  await run.record();
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const optionalText = (v: unknown): string | undefined => text(v) || undefined;

async function onApprove(run: DeploymentRun, payload: Record<string, unknown>): Promise<void> {
  const { state, plan } = run;
  const by = text(payload.by);
  if (!by) return refuse(run, 'approve', '', 'the signal names no approver: send {"by": "<name>"}');
  const version = optionalText(payload.version) ?? state.version;
  const manual = (openGates(state, plan) ?? []).filter((l) => l.open && l.gate.type === 'manual');
  // Of several pending manual gates, the first this approver may decide (else the first, to say why not).
  const target = manual.find((l) => l.gate.type === 'manual' && approverMatches(l.gate.approvers, by)) ?? manual[0];
  if (target) {
    const d = {
      environment: state.environment,
      gate: target.gate.name,
      version,
      actor: by,
      reason: optionalText(payload.reason),
      via: 'signal' as const,
    };
    const check = checkGateDecision(state, plan, d, 'approve');
    if (!check.ok) return refuse(run, 'approve', by, check.reason);
    if (!check.duplicate) await decideGate(run, d, 'approve');
    return;
  }
  if (state.phase !== 'awaiting-approval')
    return refuse(run, 'approve', by, `nothing waits for an approval (status ${state.status})`);
  if (by === state.requestor)
    return refuse(run, 'approve', by, `${by} requested this deployment and cannot approve it`);
  const check = checkApproval(state, plan, { actor: by, version });
  if (!check.ok) return refuse(run, 'approve', by, check.reason);
  if (check.duplicate) return;
  applyApproval(state, plan, { actor: by }, now());
  await run.record();
}

async function onTestResult(run: DeploymentRun, payload: Record<string, unknown>): Promise<void> {
  const { state, plan } = run;
  const by = text(payload.by);
  if (!by)
    return refuse(run, 'testResult', '', 'the signal names no reporter: send {"passed": true|false, "by": "<name>"}');
  if (typeof payload.passed !== 'boolean') return refuse(run, 'testResult', by, '"passed" must be true or false');
  const report = { passed: payload.passed, version: optionalText(payload.version), actor: by };
  if (gatesWait(run)) {
    const check = checkGateTests(state, plan, report);
    if (!check.ok) return refuse(run, 'testResult', by, check.reason);
    if (!check.duplicate) await applyGateTestReport(run, report, 'signal');
    return;
  }
  const check = checkTestReport(state, report);
  if (!check.ok) return refuse(run, 'testResult', by, check.reason);
  if (check.duplicate) return;
  applyTestReport(state, plan, report, now());
  await run.record();
}

export function handleGateSignals(run: DeploymentRun): void {
  const guarded =
    (signal: string, handle: (run: DeploymentRun, p: Record<string, unknown>) => Promise<void>) =>
    async (payload: unknown) => {
      const p = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
      try {
        await handle(run, p);
      } catch (err) {
        await refuse(run, signal, text(p.by), err instanceof Error ? err.message : String(err));
      }
    };
  setHandler(approveSignal, guarded('approve', onApprove));
  setHandler(testResultSignal, guarded('testResult', onTestResult));
}
