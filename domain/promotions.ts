import { z } from 'zod';
import { parseDuration } from './duration.js';

// Promotion gates (DeployDB's promotions): what must pass after a deploy to one environment before
// the pipeline carries the version to the next. Configured by name under `promotions:` and attached
// to a pipeline's environments; resolved into Gate trees in the deployment's plan when it is requested,
// so a configuration reload never changes a running deployment.

const ident = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-", starting with a letter or digit');
const duration = z.string().refine((s) => parseDuration(s) !== null, 'a duration such as "90s", "15m", "2h" or "7d"');

/** N of the listed approvers (token or GitHub login names, or "team:<org>/<team-slug>"); the requester never counts. */
export const ManualPromotion = z.strictObject({
  type: z.literal('manual'),
  approvers: z.array(z.string().min(1)).min(1),
  required: z.number().int().min(1).default(1),
  expiresAfter: duration.default('7d'),
});

/** Every listed job must have a successful run whose `versionParameter` names this deployment's version. */
export const JenkinsPromotion = z.strictObject({
  type: z.literal('jenkins'),
  server: ident,
  jobs: z.array(z.string().min(1)).min(1),
  versionParameter: z.string().min(1).default('VERSION'),
  /** Further parameters for the run Slipway triggers (templates as for deployers). */
  parameters: z.record(z.string(), z.string()).default({}),
  timeout: duration.default('1h'),
});

/** GET `url` every `interval` until `successes` consecutive answers have `expectStatus`, or `timeout`. */
export const WebhookPromotion = z.strictObject({
  type: z.literal('webhook'),
  url: z.url(),
  expectStatus: z.number().int().min(100).max(599).default(200),
  interval: duration.default('10s'),
  timeout: duration.default('10m'),
  successes: z.number().int().min(1).default(1),
});

/** Octopush's test result (register_test_job_result, or the `testResult` signal). */
export const TestsReportedPromotion = z.strictObject({
  type: z.literal('tests-reported'),
  expiresAfter: duration.default('2h'),
});

/** DeployDB's model: an outside system posts the result (POST /api/deployments/:id/promotions). */
export const ReportedPromotion = z.strictObject({
  type: z.literal('reported'),
  expiresAfter: duration.default('1d'),
});

/** Combinations of other named promotions. */
export const CombinedPromotion = z.strictObject({
  type: z.enum(['all-of', 'any-of']),
  of: z.array(ident).min(1),
});

export const Promotion = z.discriminatedUnion('type', [
  ManualPromotion,
  JenkinsPromotion,
  WebhookPromotion,
  TestsReportedPromotion,
  ReportedPromotion,
  CombinedPromotion,
]);
export type Promotion = z.infer<typeof Promotion>;

type Leaf = Exclude<Promotion, { type: 'all-of' | 'any-of' }>;
/** A promotion resolved for a plan: combinations carry their parts, not names. */
export type Gate = ({ name: string } & Leaf) | { name: string; type: 'all-of' | 'any-of'; of: Gate[] };

/** One piece of evidence behind a gate's decision (a Jenkins run, an HTTP probe, an approval, a report). */
export type Evidence =
  | {
      kind: 'jenkins';
      job: string;
      url: string;
      number: number;
      parameters: Record<string, string>;
      result: string | null;
      counted: boolean;
      at: string;
    }
  | {
      kind: 'probe';
      url: string;
      status: number | null;
      latencyMs: number;
      bodySha256: string | null;
      error?: string;
      at: string;
    }
  | { kind: 'approval'; by: string; reason?: string; at: string; via: 'api' | 'ui' | 'signal' }
  | { kind: 'rejection'; by: string; reason: string; at: string; via: 'api' | 'ui' | 'signal' }
  | { kind: 'tests'; passed: boolean; by: string; at: string; via: 'api' | 'signal' }
  | { kind: 'report'; status: string; passed: boolean; by: string; infoUrl?: string; at: string };

export interface GateResult {
  name: string;
  type: Gate['type'];
  status: 'pending' | 'passed' | 'failed';
  requestedAt: string;
  decidedAt?: string;
  /** Why it passed or failed, in words. */
  reason?: string;
  evidence: Evidence[];
  /** The parts of an all-of / any-of. */
  parts?: GateResult[];
}
