import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { maskCredentials } from '../domain/credentials.js';

// One probe of a webhook promotion gate: GET the URL once and report what came back. The
// workflow decides (expected status, consecutive successes, timeout) and sleeps between probes
// with durable timers; a probe never retries or loops itself. An unreachable URL is an answer
// too (status null with the error), not an activity failure.

export interface ProbeInput {
  url: string;
  timeoutMs: number;
}

export interface ProbeEvidence {
  kind: 'probe';
  url: string;
  status: number | null;
  latencyMs: number;
  bodySha256: string | null;
  error?: string;
  at: string;
}

export function createGateProbeActivities() {
  return {
    async probeUrl(input: ProbeInput): Promise<ProbeEvidence> {
      const cancel = Context.current().cancellationSignal;
      const at = new Date().toISOString();
      const started = performance.now();
      const shown = maskCredentials(input.url);
      try {
        const res = await fetch(input.url, {
          redirect: 'manual',
          signal: AbortSignal.any([cancel, AbortSignal.timeout(input.timeoutMs)]),
        });
        const body = Buffer.from(await res.arrayBuffer());
        return {
          kind: 'probe',
          url: shown,
          status: res.status,
          latencyMs: Math.round(performance.now() - started),
          bodySha256: createHash('sha256').update(body).digest('hex'),
          at,
        };
      } catch (err) {
        if (cancel.aborted) throw cancel.reason;
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
        const error =
          err instanceof Error && err.name === 'TimeoutError'
            ? `no answer within ${input.timeoutMs} ms`
            : (cause ?? String(err));
        return {
          kind: 'probe',
          url: shown,
          status: null,
          latencyMs: Math.round(performance.now() - started),
          bodySha256: null,
          error,
          at,
        };
      }
    },
  };
}

export type GateProbeActivities = ReturnType<typeof createGateProbeActivities>;
