// What a confined build container needs around it on the engine: the builds' network (created once,
// idempotently), the checkout copied into its tmpfs /workspace, and that volume removed with the build.
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import type { Confinement } from '../domain/build-limits.js';
import { formatSize } from '../domain/build-limits.js';
import { ErrorType } from '../domain/errors.js';
import { WORKSPACE_MOUNT, buildNetworkName, buildNetworkOptions, workspaceVolumeName } from './build-confinement.js';
import { describe, sleep, statusOf } from './docker-engine.js';

/** The builds' network, created when missing; one created meanwhile by another host or attempt is fine. */
export async function ensureBuildNetwork(docker: Docker, outbound: boolean): Promise<string> {
  const name = buildNetworkName(outbound);
  const found = await docker
    .getNetwork(name)
    .inspect()
    .then(
      () => true,
      (err: unknown) => {
        if (statusOf(err) === 404) return false;
        throw err;
      },
    );
  if (!found) {
    await docker.createNetwork(buildNetworkOptions(outbound)).catch((err: unknown) => {
      if (statusOf(err) !== 409) throw err;
    });
  }
  return name;
}

/**
 * Copies the host's checkout `dir` into the container's /workspace, every file owned by the build's
 * user (GNU tar on the host writes the owner into the archive; the engine keeps it). A checkout bigger
 * than the workspace cap is a terminal failure that says so.
 */
export async function copyCheckout(container: Docker.Container, dir: string, c: Confinement): Promise<void> {
  const tar = spawn(
    'tar',
    ['-C', dir, `--owner=${c.user.uid}`, `--group=${c.user.gid}`, '--numeric-owner', '-c', '.'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<number>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', (code) => resolve(code ?? -1));
  });
  try {
    await container.putArchive(tar.stdout, { path: WORKSPACE_MOUNT });
  } catch (err) {
    tar.kill();
    await exited.catch(() => undefined);
    if (/no space left/i.test(describe(err))) {
      throw ApplicationFailure.nonRetryable(
        `workspace full (cap ${formatSize(c.workspaceBytes)}): the checkout does not fit; ask for more with limits.workspace`,
        ErrorType.BadConfig,
      );
    }
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`tar of the checkout exited with ${code}: ${stderr.trim()}`);
}

/** Removes the build's workspace volume once no container holds it; one already gone is fine. */
export async function removeWorkspaceVolume(docker: Docker, buildId: string): Promise<void> {
  const volume = docker.getVolume(workspaceVolumeName(buildId));
  for (let attempt = 0; ; attempt++) {
    try {
      await volume.remove();
      return;
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (statusOf(err) !== 409 || attempt >= 25) throw err; // 409: a container being removed still holds it
      await sleep(200);
    }
  }
}
