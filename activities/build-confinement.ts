// The confinement of a build's container as Docker options (pure; no I/O): its limits (memory without
// swap, CPU, processes), no capabilities, no-new-privileges, its user, its own network, and /workspace
// and /tmp as size-capped tmpfs. Also the probe that tells, after a step failed, which limit it hit.
//
// Why tmpfs: overlay2 on ext4 (this engine) cannot cap a volume's or a container's size (Docker's
// `size` options need xfs with project quotas), and a cap that is only measured lets a fast `dd` run
// past it. A tmpfs has a hard cap, and its pages count in the container's memory limit, so a build
// can never take more than its memory limit of the host's RAM, whatever it writes there.
import type Docker from 'dockerode';
import { formatSize, type Confinement } from '../domain/build-limits.js';
import { LABEL_BUILD, LABEL_MANAGED } from './docker-engine-options.js';

export const WORKSPACE_MOUNT = '/workspace';

/** The build's network: its own bridge, internal (no route out) unless outbound is configured. */
export const buildNetworkName = (outbound: boolean): string =>
  outbound ? 'slipway-builds-outbound' : 'slipway-builds';

/**
 * Create options of the builds' network. Inter-container traffic is off, so builds cannot reach each
 * other. An internal network also gets no address on the host (inhibit_ipv4): with one, a build could
 * still reach every host port not bound to 127.0.0.1 (Postgres, Temporal, the API) through it.
 */
export function buildNetworkOptions(outbound: boolean): Docker.NetworkCreateOptions {
  return {
    Name: buildNetworkName(outbound),
    Driver: 'bridge',
    Internal: !outbound,
    CheckDuplicate: true,
    Labels: { [LABEL_MANAGED]: '1' },
    Options: {
      'com.docker.network.bridge.enable_icc': 'false',
      ...(outbound ? {} : { 'com.docker.network.bridge.inhibit_ipv4': 'true' }),
    },
  };
}

/** The per-build volume holding /workspace: a named volume, so that the checkout can be copied into it. */
export const workspaceVolumeName = (buildId: string): string => `slipway-workspace-${buildId}`;

/** `uid:gid`, as Docker's User takes it. */
export const userSpec = (c: Confinement): string => `${c.user.uid}:${c.user.gid}`;

/** The HostConfig and Mounts of a build's container under `c`. */
export function confinedHostConfig(buildId: string, c: Confinement): Docker.HostConfig {
  const { uid, gid } = c.user;
  return {
    Memory: c.memoryBytes,
    MemorySwap: c.memoryBytes, // equal to Memory: no swap on top
    NanoCpus: c.nanoCpus,
    PidsLimit: c.pids,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    NetworkMode: buildNetworkName(c.outbound),
    Mounts: [
      {
        Type: 'volume',
        Source: workspaceVolumeName(buildId),
        Target: WORKSPACE_MOUNT,
        VolumeOptions: {
          NoCopy: true,
          Labels: { [LABEL_MANAGED]: '1', [LABEL_BUILD]: buildId },
          DriverConfig: {
            Name: 'local',
            Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${c.workspaceBytes},uid=${uid},gid=${gid},mode=0755` },
          },
        },
      },
    ],
    // exec: build tools (go test, cc) run binaries from /tmp.
    Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,size=${c.workspaceBytes},mode=1777` },
  };
}

/**
 * A /bin/sh script (run as root, after a step failed) printing the container's OOM-kill and
 * pids-limit counters now and as the last probe saw them (kept in /.slipway-limits, which the
 * non-root user cannot write), then `df -k` of /workspace and /tmp. Only builtins but df.
 */
export const LIMITS_PROBE = [
  'seen=; read -r seen 2>/dev/null </.slipway-limits',
  'now=',
  'for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do [ -r $f ] && while read -r k v; do [ "$k" = oom_kill ] && now="$now oom=$v"; done <$f; done',
  'for f in /sys/fs/cgroup/pids/pids.events /sys/fs/cgroup/pids.events; do [ -r $f ] && while read -r k v; do [ "$k" = max ] && now="$now pids=$v"; done <$f; done',
  'echo "$now" 2>/dev/null >/.slipway-limits',
  'echo "seen $seen"',
  'echo "now $now"',
  `df -k ${WORKSPACE_MOUNT} /tmp 2>/dev/null`,
].join('\n');

const counter = (line: string | undefined, name: string): number =>
  Number(new RegExp(`\\b${name}=([0-9]+)`).exec(line ?? '')?.[1] ?? 0);

/**
 * Which limit a failed step hit, from the probe's output and the container's limits: out of memory,
 * pids limit, a full /workspace or /tmp; null when none was.
 */
export function limitReason(probe: string, limits: { memoryBytes?: number; pids?: number }): string | null {
  const seen = /^seen(.*)$/m.exec(probe)?.[1];
  const now = /^now(.*)$/m.exec(probe)?.[1];
  if (counter(now, 'oom') > counter(seen, 'oom'))
    return `out of memory (limit ${limits.memoryBytes ? formatSize(limits.memoryBytes) : 'unknown'}): the kernel killed a process of this step`;
  if (counter(now, 'pids') > counter(seen, 'pids'))
    return `pids limit reached (limit ${limits.pids ?? 'unknown'} processes): this step could not start more processes`;
  for (const m of probe.matchAll(/^\S+\s+([0-9]+)\s+[0-9]+\s+([0-9]+)\s+[0-9]+%\s+(\/\S*)\s*$/gm)) {
    const [, total, available, mount] = m;
    if (Number(available) * 1024 < 64 * 1024) {
      const cap = formatSize(Number(total) * 1024);
      return mount === WORKSPACE_MOUNT ? `workspace full (cap ${cap})` : `${mount} full (cap ${cap})`;
    }
  }
  return null;
}
