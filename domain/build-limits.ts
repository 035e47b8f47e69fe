import { z } from 'zod';

// What confines a build's container: memory, CPU, process and workspace limits (a job may ask for its
// own, up to the host configuration's maxima), the user its steps run as, and whether its network
// reaches beyond the build host. Pure: activities/build-confinement.ts turns this into Docker options.

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2 };
UNITS.g = UNITS.gib = 1024 ** 3;

/** Bytes of a size such as "512MiB", "1GiB", "2g" or "1048576" (binary units, as Docker reads them); null if it is none. */
export function parseSize(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** "512 MiB", "1 GiB": how a limit is named in a reason. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % (size / 16) === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

const size = z.string().refine((s) => parseSize(s) !== null, 'a size such as "512MiB" or "2GiB"');

/** A job's own limits (`limits:` in its definition); each one left out takes the host's default. */
export const BuildLimits = z.strictObject({
  /** Memory of all the build's processes, its /workspace and /tmp included (both are in memory); no swap. */
  memory: size.optional(),
  /** CPUs (fractions allowed) the build's processes may use together. */
  cpus: z.number().positive().max(1024).optional(),
  /** Processes and threads alive at once in the build's container. */
  pids: z.number().int().min(16).max(1_000_000).optional(),
  /** Size of /workspace (and of /tmp): writes beyond it fail with "No space left on device". */
  workspace: size.optional(),
});
export type BuildLimits = z.infer<typeof BuildLimits>;

const LimitValues = z.strictObject({
  memory: size,
  cpus: z.number().positive().max(1024),
  pids: z.number().int().min(16).max(1_000_000),
  workspace: size,
});

export const DEFAULT_LIMITS = { memory: '2GiB', cpus: 1, pids: 512, workspace: '1GiB' } as const;
export const MAX_LIMITS = { memory: '8GiB', cpus: 2, pids: 4096, workspace: '4GiB' } as const;

/** `builds:` in the YAML configuration: what every build host applies to the containers it runs. */
export const BuildsConfig = z.strictObject({
  /** Limits of a job that names none. */
  limits: LimitValues.default(DEFAULT_LIMITS),
  /** The most a job may ask for; a job asking more is refused before its container starts. */
  maxLimits: LimitValues.default(MAX_LIMITS),
  network: z
    .strictObject({
      /** false: steps reach only their own container (no internet, no build host, no other build). true:
       * they reach whatever the build host can route to, including its ports not bound to 127.0.0.1. */
      outbound: z.boolean().default(false),
    })
    .default({ outbound: false }),
  /** Whether a job's `user: root` is honoured (root in the container still has no capabilities). */
  allowRoot: z.boolean().default(true),
});
export type BuildsConfig = z.infer<typeof BuildsConfig>;
export const DEFAULT_BUILDS_CONFIG: BuildsConfig = BuildsConfig.parse({});

/** The uid:gid steps run as unless the job asks for root: no user of the host nor of the usual images. */
export const BUILD_USER = { uid: 1000, gid: 1000 } as const;

export interface Confinement {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
  workspaceBytes: number;
  user: { uid: number; gid: number };
  outbound: boolean;
}

export type ConfinementCheck = { ok: true; confinement: Confinement } | { ok: false; error: string };

/** The confinement of a job's build under the host's configuration; asking beyond a maximum is an error naming it. */
export function resolveConfinement(
  job: { limits?: BuildLimits; user?: 'root' },
  config: BuildsConfig = DEFAULT_BUILDS_CONFIG,
): ConfinementCheck {
  const sizes = {} as Record<'memory' | 'workspace', number>;
  for (const key of ['memory', 'workspace'] as const) {
    const asked = parseSize(job.limits?.[key] ?? config.limits[key]);
    const max = parseSize(config.maxLimits[key])!;
    if (asked === null) return { ok: false, error: `limits.${key}: not a size` };
    if (asked > max)
      return {
        ok: false,
        error: `limits.${key}: ${formatSize(asked)} is over this host's maximum of ${formatSize(max)}`,
      };
    sizes[key] = asked;
  }
  const counts = {} as Record<'cpus' | 'pids', number>;
  for (const key of ['cpus', 'pids'] as const) {
    const asked = job.limits?.[key] ?? config.limits[key];
    if (asked > config.maxLimits[key])
      return { ok: false, error: `limits.${key}: ${asked} is over this host's maximum of ${config.maxLimits[key]}` };
    counts[key] = asked;
  }
  if (job.user === 'root' && !config.allowRoot)
    return { ok: false, error: 'user: root is not allowed on this host (builds.allowRoot is false)' };
  return {
    ok: true,
    confinement: {
      memoryBytes: sizes.memory,
      workspaceBytes: sizes.workspace,
      nanoCpus: Math.round(counts.cpus * 1e9),
      pids: counts.pids,
      user: job.user === 'root' ? { uid: 0, gid: 0 } : { ...BUILD_USER },
      outbound: config.network.outbound,
    },
  };
}
