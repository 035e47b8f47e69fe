import { parseDuration } from './duration.js';
import type { JobDefinition } from './job.js';

// The order a build runs its commands in, exactly as the seed defines it:
//   job onStart → per stage: stage onStart, steps, stage onSuccess | onFailure → job onSuccess | onFailure
// A failing step (non-zero exit, unless ignoreExitCode) stops its stage and the job; hook exit
// codes never change the result. The workflow walks this plan; the log layout follows its keys.

export interface PlannedCommand {
  /** Stable key, also the log file: `job/onStart`, `<stage>/<step>`, `<stage>/onFailure`. */
  key: string;
  stage: string;
  step: string;
  kind: 'hook' | 'step';
  command: string;
  ignoreExitCode: boolean;
  timeoutMs: number;
}

export interface PlannedStage {
  title: string;
  slug: string;
  onStart?: PlannedCommand;
  steps: PlannedCommand[];
  onSuccess?: PlannedCommand;
  onFailure?: PlannedCommand;
}
export interface BuildPlan {
  onStart?: PlannedCommand;
  stages: PlannedStage[];
  onSuccess?: PlannedCommand;
  onFailure?: PlannedCommand;
}

/** File-name-safe, unique within its siblings: "Unit tests" → "unit-tests", a repeat → "unit-tests-2". */
export function slugs(titles: string[]): string[] {
  const seen = new Map<string, number>();
  return titles.map((t) => {
    const base =
      t
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'step';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

export function buildPlan(job: JobDefinition): BuildPlan {
  const timeout = (t?: string) => parseDuration(t ?? job.stepTimeout)!;
  const hook = (
    stage: string,
    name: 'onStart' | 'onSuccess' | 'onFailure',
    command?: string,
  ): PlannedCommand | undefined =>
    command
      ? {
          key: `${stage}/${name}`,
          stage,
          step: name,
          kind: 'hook',
          command,
          ignoreExitCode: true,
          timeoutMs: timeout(),
        }
      : undefined;
  const stageSlugs = slugs(job.stages.map((s) => s.title)).map((s) => (s === 'job' ? 'job-stage' : s));
  return {
    onStart: hook('job', 'onStart', job.onStart),
    stages: job.stages.map((stage, i) => {
      const slug = stageSlugs[i]!;
      const stepSlugs = slugs(stage.steps.map((s) => s.title)).map((s) =>
        ['onstart', 'onsuccess', 'onfailure'].includes(s) ? `step-${s}` : s,
      );
      return {
        title: stage.title,
        slug,
        onStart: hook(slug, 'onStart', stage.onStart),
        steps: stage.steps.map((step, j) => ({
          key: `${slug}/${stepSlugs[j]}`,
          stage: slug,
          step: stepSlugs[j]!,
          kind: 'step' as const,
          command: step.command,
          ignoreExitCode: step.ignoreExitCode,
          timeoutMs: timeout(step.timeout),
        })),
        onSuccess: hook(slug, 'onSuccess', stage.onSuccess),
        onFailure: hook(slug, 'onFailure', stage.onFailure),
      };
    }),
    onSuccess: hook('job', 'onSuccess', job.onSuccess),
    onFailure: hook('job', 'onFailure', job.onFailure),
  };
}

export type ParameterCheck = { ok: true; env: Record<string, string> } | { ok: false; field: string; message: string };

/** Parameters become environment variables; required ones must be given, unknown ones are refused. */
export function checkParameters(job: JobDefinition, given: Record<string, string>): ParameterCheck {
  const known = new Set(job.parameters.map((p) => p.title));
  const unknown = Object.keys(given).find((k) => !known.has(k));
  if (unknown)
    return {
      ok: false,
      field: `parameters.${unknown}`,
      message: `unknown parameter (the job defines: ${[...known].join(', ') || 'none'})`,
    };
  const env: Record<string, string> = {};
  for (const p of job.parameters) {
    const value = given[p.title] ?? p.default;
    if (value === undefined || (p.required && value === '')) {
      if (p.required) return { ok: false, field: `parameters.${p.title}`, message: 'required' };
      continue;
    }
    env[p.title] = value;
  }
  return { ok: true, env };
}
