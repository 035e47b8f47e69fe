import { proxyActivities, sleep } from '@temporalio/workflow';
import type { GateProbeActivities } from '../activities/gate-probe.js';
import { parseDuration } from '../domain/duration.js';
import { decide } from '../domain/gate-tree.js';
import type { Gate, GateResult } from '../domain/promotions.js';
import type { GateContext } from './deployment.gate-eval.js';
import { now } from './deployment.run.js';

// A webhook gate: one probe activity per GET, a durable timer between probes, until `successes`
// consecutive answers carry `expectStatus` (passed) or the next probe would start after `timeout`
// (failed). Every probe is evidence: status, latency, body hash.

type Webhook = Extract<Gate, { type: 'webhook' }>;

const PROBE_TIMEOUT_MS = 30_000;

export async function probeUntil(ctx: GateContext, gate: Webhook, result: GateResult): Promise<void> {
  const intervalMs = parseDuration(gate.interval)!;
  const timeoutMs = parseDuration(gate.timeout)!;
  const requestMs = Math.max(1000, Math.min(intervalMs, PROBE_TIMEOUT_MS));
  const probes = proxyActivities<GateProbeActivities>({
    startToCloseTimeout: requestMs + 5000,
    // A lost worker is retried; an answer, or no answer from the URL, is evidence, never a retry.
    retry: { maximumAttempts: 3, maximumInterval: '5s' },
  });
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  for (;;) {
    const probe = await probes.probeUrl({ url: gate.url, timeoutMs: requestMs });
    result.evidence.push(probe);
    streak = probe.status === gate.expectStatus ? streak + 1 : 0;
    if (streak >= gate.successes) {
      const answers = gate.successes === 1 ? 'an answer' : `${gate.successes} consecutive answers`;
      decide(result, 'passed', `${answers} with HTTP ${gate.expectStatus}`, now());
      return ctx.progress();
    }
    if (Date.now() + intervalMs > deadline) {
      const last = probe.status === null ? (probe.error ?? 'no answer') : `HTTP ${probe.status}`;
      decide(
        result,
        'failed',
        `no ${gate.successes} consecutive HTTP ${gate.expectStatus} within ${gate.timeout} (last: ${last})`,
        now(),
      );
      return ctx.progress();
    }
    await ctx.progress();
    await sleep(intervalMs);
  }
}
