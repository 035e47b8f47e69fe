import { z } from '@hono/zod-openapi';
import type { BuildRow } from '../../db/builds.js';
import type { BuildStatus } from '../../domain/build-state.js';
import { temporalLink } from '../deployments/view.js';
import type { ApiDeps } from '../deps.js';

// The JSON of a build: status, its commands grouped by stage, timings, parameters (secrets are
// never in the row) and links to its log, live streams and Temporal run.

export const Build = z
  .looseObject({
    id: z.string(),
    job: z.string(),
    number: z.number().int(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'errored'] satisfies BuildStatus[]),
  })
  .openapi('Build');

export function buildView(deps: ApiDeps, b: BuildRow) {
  const stages: Array<{ stage: string; commands: BuildRow['commands'] }> = [];
  for (const c of b.commands) {
    const last = stages.at(-1);
    if (last?.stage === c.stage) last.commands.push(c);
    else stages.push({ stage: c.stage, commands: [c] });
  }
  const base = `/v1/builds/${encodeURIComponent(b.id)}`;
  return {
    id: b.id,
    job: b.jobPath,
    number: b.number,
    status: b.status as BuildStatus,
    reason: b.reason,
    parameters: b.parameters,
    commit: b.commit,
    ref: b.ref,
    host: b.host,
    triggeredBy: b.triggeredBy,
    rebuildOf: b.rebuildOf,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
    durationMs: b.startedAt && b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
    stages,
    commands: b.commands,
    links: {
      self: base,
      log: `${base}/log`,
      events: `${base}/logs/events`,
      websocket: `${base}/logs/ws`,
      temporal: temporalLink(deps, b.id),
    },
  };
}

/** Trigger and rebuild bodies; an empty body gives no parameters. Other keys are ignored. */
export const BuildParameters = z
  .object({
    parameters: z
      .record(z.string(), z.string({ error: 'a string value' }), { error: 'an object of name → string value' })
      .optional(),
  })
  .nullable()
  .openapi('BuildParameters');
