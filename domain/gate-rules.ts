import type { Check } from './deployment-rules.js';
import type { DeploymentState } from './deployment-state.js';
import { decide, leaves, type LeafGate } from './gate-tree.js';
import type { Evidence, GateResult, Promotion } from './promotions.js';
import type { ServicePlan } from './service-plan.js';

// What decides a gate from outside (an approval, a rejection, an outside system's report, a test
// result) and what each does to its GateResult. check* answers before anything changes (Update
// validators, signal handlers); apply* makes the change. A refusal with `forbidden` is about who
// asks (403), any other about the state (409).

export type GateCheck = Check | { ok: false; reason: string; forbidden: true };

export interface GateDecision {
  environment: string;
  gate: string;
  version: string;
  actor: string;
  /** The caller's teams ("<org>/<slug>"), for approvers written "team:<org>/<slug>". */
  teams?: string[];
  reason?: string;
  via: 'api' | 'ui' | 'signal';
}

const refuse = (reason: string): GateCheck => ({ ok: false, reason });
const forbid = (reason: string): GateCheck => ({ ok: false, reason, forbidden: true });
const accept: GateCheck = { ok: true, duplicate: false };
const duplicate: GateCheck = { ok: true, duplicate: true };

/** GitHub team names are matched without regard to case, as GitHub treats them. */
export const approverMatches = (approvers: string[], actor: string, teams: string[] = []): boolean => {
  const mine = teams.map((t) => t.toLowerCase());
  return approvers.some((a) =>
    a.startsWith('team:') ? mine.includes(a.slice('team:'.length).toLowerCase()) : a === actor,
  );
};

/** The gates of the environment whose gates are being evaluated now, with their results; null when none are. */
export function openGates(state: DeploymentState, plan: ServicePlan, environment = state.environment) {
  if (state.phase !== 'awaiting-gates' || environment !== state.environment) return null;
  const gates = plan.environments.find((e) => e.environment === environment)?.gates;
  const results = state.environments.find((e) => e.environment === environment)?.gates;
  return gates && results ? leaves(gates, results) : null;
}

type Leaf = { gate: LeafGate; result: GateResult; open: boolean };
const notWaiting = (state: DeploymentState, environment: string) =>
  refuse(`no gates of ${state.service} ${state.version} are waiting in ${environment} (status ${state.status})`);

function checkVersion(state: DeploymentState, version: string | undefined): GateCheck | null {
  return version !== undefined && version !== state.version
    ? refuse(`this deployment is of ${state.service} ${state.version}, not version ${version}`)
    : null;
}

/** The manual gate a decision names, or why it cannot be decided; a repeat is a duplicate. */
export function checkGateDecision(
  state: DeploymentState,
  plan: ServicePlan,
  d: GateDecision,
  kind: 'approve' | 'reject',
): GateCheck {
  const mismatch = checkVersion(state, d.version);
  if (mismatch) return mismatch;
  const open = openGates(state, plan, d.environment);
  if (!open) return notWaiting(state, d.environment);
  const leaf = open.find((l) => l.gate.name === d.gate);
  if (!leaf) return refuse(`${d.environment} has no gate named "${d.gate}"`);
  if (leaf.gate.type !== 'manual')
    return refuse(`gate "${d.gate}" is a ${leaf.gate.type} gate; only manual gates take approvals`);
  const evidenceKind = kind === 'approve' ? 'approval' : 'rejection';
  if (leaf.result.evidence.some((e) => e.kind === evidenceKind && e.by === d.actor)) return duplicate;
  if (!leaf.open) return refuse(`gate "${d.gate}" is already decided (${leaf.result.status})`);
  if (d.actor === state.requestor)
    return forbid(`${d.actor} requested this deployment and cannot decide its gate "${d.gate}"`);
  if (!approverMatches(leaf.gate.approvers, d.actor, d.teams))
    return forbid(`${d.actor} is not an approver of gate "${d.gate}" (approvers: ${leaf.gate.approvers.join(', ')})`);
  if (kind === 'reject' && !d.reason?.trim()) return refuse('a rejection needs a reason');
  return accept;
}

export function applyGateDecision(leaf: Leaf, d: GateDecision, kind: 'approve' | 'reject', at: string): void {
  const { result } = leaf;
  if (kind === 'reject') {
    result.evidence.push({ kind: 'rejection', by: d.actor, reason: d.reason!, at, via: d.via });
    decide(result, 'failed', `rejected by ${d.actor}: ${d.reason}`, at);
    return;
  }
  result.evidence.push({ kind: 'approval', by: d.actor, at, via: d.via, ...(d.reason ? { reason: d.reason } : {}) });
  const approvers = [...new Set(result.evidence.filter((e) => e.kind === 'approval').map((e) => e.by))];
  if (leaf.gate.type === 'manual' && approvers.length >= leaf.gate.required)
    decide(result, 'passed', `approved by ${approvers.join(', ')}`, at);
}

export interface PromotionResult {
  environment?: string;
  name: string;
  status: string;
  passed: boolean;
  infoUrl?: string;
  actor: string;
}

/** An outside system's result for a `reported` gate; the environment defaults to the one whose gates wait. */
export function checkGateReport(state: DeploymentState, plan: ServicePlan, r: PromotionResult): GateCheck {
  const environment = r.environment ?? state.environment;
  const all = openGates(state, plan, environment);
  if (!all) return notWaiting(state, environment);
  const leaf = all.find((l) => l.gate.name === r.name);
  if (!leaf) return refuse(`${environment} has no gate named "${r.name}"`);
  if (leaf.gate.type !== 'reported')
    return refuse(`gate "${r.name}" is a ${leaf.gate.type} gate; only reported gates take outside results`);
  if (leaf.open) return accept;
  return leaf.result.status === (r.passed ? 'passed' : 'failed')
    ? duplicate
    : refuse(`gate "${r.name}" is already decided (${leaf.result.status})`);
}

export function applyGateReport(leaf: Leaf, r: PromotionResult, at: string): void {
  const evidence: Evidence = { kind: 'report', status: r.status, passed: r.passed, by: r.actor, at };
  if (r.infoUrl) evidence.infoUrl = r.infoUrl;
  leaf.result.evidence.push(evidence);
  decide(leaf.result, r.passed ? 'passed' : 'failed', `reported ${r.status} by ${r.actor}`, at);
}

/** A test result for the tests-reported gates of the environment whose gates wait. */
export function checkGateTests(
  state: DeploymentState,
  plan: ServicePlan,
  report: { passed: boolean; version?: string },
): GateCheck {
  const mismatch = checkVersion(state, report.version);
  if (mismatch) return mismatch;
  const tests = (openGates(state, plan) ?? []).filter((l) => l.gate.type === 'tests-reported');
  if (tests.length === 0) return refuse(`no tests-reported gate waits in ${state.environment}`);
  if (tests.some((l) => l.open)) return accept;
  const decided = tests.find((l) => l.result.evidence.some((e) => e.kind === 'tests'));
  return decided?.result.status === (report.passed ? 'passed' : 'failed')
    ? duplicate
    : refuse(`tests were already reported in ${state.environment}; a result cannot change`);
}

export function applyGateTests(
  state: DeploymentState,
  plan: ServicePlan,
  report: { passed: boolean; actor: string; via: 'api' | 'signal' },
  at: string,
): void {
  const env = state.environments.find((e) => e.environment === state.environment)!;
  env.tests = { passed: report.passed, at, by: report.actor };
  for (const leaf of openGates(state, plan) ?? []) {
    if (leaf.gate.type !== 'tests-reported' || !leaf.open) continue;
    leaf.result.evidence.push({ kind: 'tests', passed: report.passed, by: report.actor, at, via: report.via });
    decide(
      leaf.result,
      report.passed ? 'passed' : 'failed',
      `tests ${report.passed ? 'passed' : 'failed'} (${report.actor})`,
      at,
    );
  }
}

/** The teams ("<org>/<slug>", lower case) that manual promotions name as approvers ("team:<org>/<slug>"). */
export function gateApproverTeams(config: { promotions: Record<string, Promotion> }): Set<string> {
  const teams = new Set<string>();
  for (const p of Object.values(config.promotions))
    if (p.type === 'manual')
      for (const a of p.approvers) if (a.startsWith('team:')) teams.add(a.slice('team:'.length).toLowerCase());
  return teams;
}
