// Build runner activities: ONE container per build, every command of the build a `docker exec` in it.
// Lifecycle (Woodpecker's): buildCheckout (workspace) → buildStart (image, container) → buildExec per
// command (stream output into the log sink, wait for the exit code) → buildDestroy. All activities of
// a build run on the host holding its workspace (the worker registers them on a per-host task queue).
//
// Idempotency: checkout reuses a clone at its recorded commit (activities/git.ts); start reuses a
// running container by name and a built image by tag; destroy is safe to call any number of times and
// when nothing exists. exec is not repeatable: a retry first kills whatever the previous attempt
// (known from its heartbeat) left running, then runs the command again (activities/build-step.ts).
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  DEFAULT_BUILDS_CONFIG,
  resolveConfinement,
  type BuildLimits,
  type BuildsConfig,
} from '../domain/build-limits.js';
import { ErrorType } from '../domain/errors.js';
import { buildImage } from './build-image.js';
import {
  LABEL_BUILD,
  buildContainerName,
  buildContainerOptions,
  buildImageTag,
  buildWorkspace,
  logTarget,
} from './build-runner-options.js';
import { stepAttempt, type ExecInput, type ExecResult } from './build-step.js';
import { copyCheckout, ensureBuildNetwork, removeWorkspaceVolume } from './build-workspace.js';
import {
  createContainer,
  inspectOrNull,
  removeContainer,
  removeImage,
  sleep,
  startContainer,
} from './docker-engine.js';
import { checkoutRepository, readJobFile } from './git.js';
import type { LogSink } from './log-sink.js';

export type { ExecInput, ExecResult } from './build-step.js';

export interface BuildRunnerDeps {
  docker: Docker;
  /** Host directory of checkouts: a build's repository is cloned to join(workspaceRoot, buildId), then
   * copied into the container's own size-capped /workspace (build-confinement.ts). */
  workspaceRoot: string;
  hostName: string;
  logs: LogSink;
  /** Image of jobs that name neither image nor dockerfile. Default slipway/step:default. */
  defaultImage?: string;
  /** Limits, their maxima, the network and whether root is allowed (the configuration's `builds:`). */
  builds?: BuildsConfig;
}

export interface CheckoutInput {
  buildId: string;
  jobPath: string;
  number: number;
  repository?: { url: string; ref: string };
  secrets: string[];
  /** false: untrusted code (a pull request); its host loads no secret values for it (worker/build-host.ts). */
  trusted?: boolean;
}
export interface CheckoutResult {
  commit: string | null;
  /** Text of .slipway.yml (or .slipway.yaml / .slipway.json) at the repository root, if any. */
  jobFile: string | null;
}
export interface StartInput {
  buildId: string;
  jobPath: string;
  number: number;
  image?: string;
  dockerfile?: string;
  env: Record<string, string>;
  secrets: string[];
  /** false: untrusted code (a pull request); its host loads no secret values for it (worker/build-host.ts). */
  trusted?: boolean;
  /** The job's own limits and user (absent: the host's defaults, a non-root user). */
  limits?: BuildLimits;
  user?: 'root';
}
export interface StartResult {
  containerId: string;
  image: string;
}

const HEARTBEAT_MS = 2_000;

/** Runs `fn`, heartbeating `details()` every HEARTBEAT_MS; a cancellation surfaces as its reason. */
async function activity<T>(details: () => unknown, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  ctx.heartbeat(details());
  const beat = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_MS);
  try {
    return await fn(signal);
  } catch (err) {
    throw signal.aborted ? (signal.reason ?? err) : err;
  } finally {
    clearInterval(beat);
  }
}

export function createBuildRunnerActivities(deps: BuildRunnerDeps) {
  const { docker } = deps;
  const workspaceRoot = resolve(deps.workspaceRoot); // a bind mount needs an absolute host path
  const defaultImage = deps.defaultImage ?? 'slipway/step:default';

  /** The running build container: an existing one (reused), an earlier stopped one (restarted), or a new one. */
  async function ensureContainer(options: Docker.ContainerCreateOptions): Promise<string> {
    const name = options.name!;
    const container = docker.getContainer(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const info = await inspectOrNull(container);
      if (info?.State.Running) return info.Id;
      if (info?.State.Status === 'removing') {
        await sleep(500);
        continue;
      }
      if (info?.State.Status === 'dead') {
        await removeContainer(container);
        continue;
      }
      if (!info && !(await createContainer(docker, options))) continue; // created meanwhile by a concurrent attempt
      await startContainer(container, name);
      const started = await inspectOrNull(container);
      if (started?.State.Running) return started.Id;
      if (started) {
        throw ApplicationFailure.nonRetryable(
          `container ${name} (${options.Image}) stopped at once with exit code ${started.State.ExitCode}: the image needs /bin/sh and sleep`,
          ErrorType.DockerRejected,
        );
      }
    }
    throw new Error(`container ${name} is stuck being removed`);
  }

  return {
    async buildCheckout(input: CheckoutInput): Promise<CheckoutResult> {
      const dir = buildWorkspace(workspaceRoot, input.buildId);
      return activity(
        () => undefined,
        async (signal) => {
          await mkdir(dir, { recursive: true });
          let commit: string | null = null;
          if (input.repository) {
            const { url, ref } = input.repository;
            const writer = await deps.logs.open(logTarget(input, 'job/checkout'));
            try {
              commit = await checkoutRepository({ dir, url, ref, signal, log: (text) => writer.write(text) });
            } catch (err) {
              if (!signal.aborted) await writer.write(`${(err as Error).message}\n`).catch(() => undefined);
              throw err;
            } finally {
              await writer.end();
            }
          }
          return { commit, jobFile: await readJobFile(dir) };
        },
      );
    },

    async buildStart(input: StartInput): Promise<StartResult> {
      const workspace = buildWorkspace(workspaceRoot, input.buildId);
      return activity(
        () => undefined,
        async (signal) => {
          const check = resolveConfinement(input, deps.builds ?? DEFAULT_BUILDS_CONFIG);
          if (!check.ok) throw ApplicationFailure.nonRetryable(check.error, ErrorType.BadConfig);
          const { confinement } = check;
          await mkdir(workspace, { recursive: true });
          await ensureBuildNetwork(docker, confinement.outbound);
          const image = input.dockerfile
            ? await buildImage(
                docker,
                deps.logs,
                { ...input, dockerfile: input.dockerfile },
                workspace,
                signal,
                confinement,
              )
            : (input.image ?? defaultImage);
          const options = buildContainerOptions({
            buildId: input.buildId,
            image,
            hostName: deps.hostName,
            env: input.env,
            confinement,
          });
          const containerId = await ensureContainer(options);
          // Again on a retry: the container may be new, or restarted with an empty tmpfs.
          await copyCheckout(docker.getContainer(containerId), workspace, confinement);
          return { containerId, image };
        },
      );
    },

    async buildExec(input: ExecInput): Promise<ExecResult> {
      const step = stepAttempt(docker, deps.logs, input);
      return activity(step.details, step.run);
    },

    async buildDestroy(input: { buildId: string }): Promise<void> {
      const name = buildContainerName(input.buildId);
      const labelled = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_BUILD}=${input.buildId}`] },
      });
      const ids = new Set([name, ...labelled.map((c) => c.Id)]);
      for (const id of ids) await removeContainer(docker.getContainer(id));
      for (let i = 0; i < 50 && (await inspectOrNull(docker.getContainer(name))); i++) await sleep(200); // a removal in progress
      await removeWorkspaceVolume(docker, input.buildId);
      await removeImage(docker, buildImageTag(input.buildId));
      await rm(buildWorkspace(workspaceRoot, input.buildId), { recursive: true, force: true });
    },
  };
}

export type BuildRunnerActivities = ReturnType<typeof createBuildRunnerActivities>;
