import { z } from 'zod';
import { BuildLimits } from './build-limits.js';
import { parseDuration } from './duration.js';

// A job definition in the Redis-CI seed's shape (title, hooks, stages of steps, parameters), plus
// what a real CI needs: the image or a Dockerfile, the repository, per-step timeouts, secret
// parameters. YAML or JSON; a `.slipway.yml` in the repository takes precedence when present.

const duration = z.string().refine((s) => parseDuration(s) !== null, 'a duration such as "90s", "15m" or "2h"');
const hook = z.string().min(1).optional();
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits, "_", not starting with a digit');

export const Step = z.strictObject({
  title: z.string().min(1),
  command: z.string().min(1),
  ignoreExitCode: z.boolean().default(false),
  timeout: duration.optional(),
});

export const Stage = z.strictObject({
  title: z.string().min(1),
  onStart: hook,
  onSuccess: hook,
  onFailure: hook,
  steps: z.array(Step).min(1),
});

export const Parameter = z.strictObject({
  title: envName,
  required: z.boolean().default(false),
  default: z.string().optional(),
  /** Masked in logs, left out of API answers and of the build record. */
  secret: z.boolean().default(false),
});

export const JobDefinition = z
  .strictObject({
    title: z.string().min(1),
    onStart: hook,
    onSuccess: hook,
    onFailure: hook,
    stages: z.array(Stage).min(1),
    parameters: z.array(Parameter).default([]),
    /** The image steps run in; absent → the default step image. */
    image: z.string().min(1).optional(),
    /** A Dockerfile in the repository to build the step image from (path relative to its root). */
    dockerfile: z.string().min(1).optional(),
    repository: z.strictObject({ url: z.string().min(1), ref: z.string().min(1).default('HEAD') }).optional(),
    /** Default timeout of each step and hook. */
    stepTimeout: duration.default('30m'),
    /** Steps run as a non-root user (uid 1000) unless the job asks for root; root still has no capabilities. */
    user: z.literal('root').optional(),
    /** Memory, CPU, process and workspace limits of the build's container, up to the host's maxima. */
    limits: BuildLimits.optional(),
    /**
     * A successful build registers this artifact version; templates use parameters and {{commit}}.
     * `module` (group:name) when the service has several artifacts; `digest` (sha256:…) of the image
     * or file it produced, usually a parameter the build was given or computed.
     */
    artifact: z
      .strictObject({
        service: z.string().min(1),
        version: z.string().min(1),
        module: z.string().min(1).optional(),
        digest: z.string().min(1).optional(),
      })
      .optional(),
  })
  .refine((j) => !(j.image && j.dockerfile), { message: 'give image or dockerfile, not both', path: ['dockerfile'] })
  .refine((j) => !j.dockerfile || j.repository, {
    message: 'a dockerfile needs a repository to build from',
    path: ['dockerfile'],
  });

export type JobDefinition = z.infer<typeof JobDefinition>;

/** Folder paths: `team/service/job`, each segment a plain name. */
export const jobPathPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export type JobCheck =
  { ok: true; job: JobDefinition } | { ok: false; errors: Array<{ path: string; message: string }> };

export function validateJob(raw: unknown): JobCheck {
  const parsed = JobDefinition.safeParse(raw);
  if (parsed.success) {
    const names = parsed.data.parameters.map((p) => p.title);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      return {
        ok: false,
        errors: [{ path: `parameters.${names.lastIndexOf(dup)}.title`, message: `duplicate parameter ${dup}` }],
      };
    return { ok: true, job: parsed.data };
  }
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(document)',
      message: i.message,
    })),
  };
}
