import type { Gate, GateResult } from './promotions.js';

// The shape of a step's gates and of their results: one GateResult per Gate, combinations with
// their parts in the same order. Pure, shared by the workflow (which evaluates) and the checks of
// the messages that decide gates.

export type LeafGate = Exclude<Gate, { type: 'all-of' | 'any-of' }>;
export type CombinedGate = Extract<Gate, { of: Gate[] }>;
export type Decided = 'pending' | 'passed' | 'failed';

export const isCombination = (gate: Gate): gate is CombinedGate => gate.type === 'all-of' || gate.type === 'any-of';

export function pendingResult(gate: Gate, at: string): GateResult {
  const result: GateResult = { name: gate.name, type: gate.type, status: 'pending', requestedAt: at, evidence: [] };
  if (isCombination(gate)) result.parts = gate.of.map((g) => pendingResult(g, at));
  return result;
}

/** all-of fails on the first failure and passes when every part passed; any-of the other way round. */
export function combinedStatus(type: 'all-of' | 'any-of', parts: GateResult[]): Decided {
  const [decisive, other]: Decided[] = type === 'all-of' ? ['failed', 'passed'] : ['passed', 'failed'];
  if (parts.some((p) => p.status === decisive)) return decisive!;
  return parts.every((p) => p.status === other) ? other! : 'pending';
}

export function decide(result: GateResult, status: 'passed' | 'failed', reason: string, at: string): void {
  if (result.status !== 'pending') return;
  result.status = status;
  result.reason = reason;
  result.decidedAt = at;
}

/** Every leaf with its result, depth first; `open` when no enclosing combination is decided yet. */
export function leaves(
  gates: Gate[],
  results: GateResult[],
): Array<{ gate: LeafGate; result: GateResult; open: boolean }> {
  const out: Array<{ gate: LeafGate; result: GateResult; open: boolean }> = [];
  const walk = (gs: Gate[], rs: GateResult[], open: boolean) =>
    gs.forEach((gate, i) => {
      const result = rs[i]!;
      if (isCombination(gate)) walk(gate.of, result.parts ?? [], open && result.status === 'pending');
      else out.push({ gate, result, open: open && result.status === 'pending' });
    });
  walk(gates, results, true);
  return out;
}

/** The leaves still waiting for a decision, by name: what a deployment's waitingOn shows. */
export function pendingLeafNames(gates: Gate[], results: GateResult[]): string[] {
  return leaves(gates, results)
    .filter((l) => l.open)
    .map((l) => l.gate.name);
}

/** The first failed result, followed down to the leaf that failed it: names the gate in the outcome. */
export function failureOf(results: GateResult[]): { path: string[]; reason: string } | null {
  const failed = results.find((r) => r.status === 'failed');
  if (!failed) return null;
  const below = failed.parts ? failureOf(failed.parts) : null;
  return below
    ? { path: [failed.name, ...below.path], reason: below.reason }
    : { path: [failed.name], reason: failed.reason ?? 'failed' };
}

/** The result of the gate named `name` anywhere in a tree of results. */
export function findResult(results: GateResult[], name: string): GateResult | null {
  for (const r of results) {
    if (r.name === name) return r;
    const below = r.parts ? findResult(r.parts, name) : null;
    if (below) return below;
  }
  return null;
}
