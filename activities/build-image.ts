// `docker build` of a job's Dockerfile, for buildStart: the workspace is the context, the image is
// tagged per build (so a retry reuses it) and labelled so that buildDestroy and clean-ups find it.
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import type { Confinement } from '../domain/build-limits.js';
import { ErrorType } from '../domain/errors.js';
import { buildNetworkName } from './build-confinement.js';
import { BuildProgress, LABEL_BUILD, buildImageTag, dockerfilePath, logTarget } from './build-runner-options.js';
import { LABEL_MANAGED } from './docker-engine-options.js';
import { SETUP_HINT, imageExists } from './docker-engine.js';
import type { LogSink, LogTarget } from './log-sink.js';

export interface ImageInput extends Omit<LogTarget, 'commandKey'> {
  dockerfile: string;
}

/**
 * The tag of the build's image: a present one is reused; its progress goes to the log of `job/image`.
 * The Dockerfile's RUN instructions get the build's network, memory and CPU limits (the engine's
 * builder takes no pids limit, capabilities or user for them).
 */
export async function buildImage(
  docker: Docker,
  logs: LogSink,
  input: ImageInput,
  workspace: string,
  signal: AbortSignal,
  confinement: Confinement,
): Promise<string> {
  const tag = buildImageTag(input.buildId);
  if (await imageExists(docker, tag)) return tag;
  const dockerfile = dockerfilePath(input.dockerfile);
  if (
    !(await access(join(workspace, dockerfile)).then(
      () => true,
      () => false,
    ))
  ) {
    throw ApplicationFailure.nonRetryable(`dockerfile ${dockerfile} not found in the repository`, ErrorType.BadConfig);
  }
  const writer = await logs.open(logTarget(input, 'job/image'));
  let error: string | null;
  try {
    const stream = (await docker.buildImage(
      { context: workspace, src: await readdir(workspace) },
      {
        t: tag,
        dockerfile,
        rm: true,
        forcerm: true,
        abortSignal: signal,
        networkmode: buildNetworkName(confinement.outbound),
        memory: confinement.memoryBytes,
        memswap: confinement.memoryBytes,
        cpuperiod: 100_000,
        cpuquota: Math.round(confinement.nanoCpus / 10_000),
        labels: { [LABEL_MANAGED]: '1', [LABEL_BUILD]: input.buildId },
      },
    )) as unknown as Readable;
    const progress = new BuildProgress();
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = progress.push(chunk);
      if (text) await writer.write(text);
    }
    const rest = progress.end();
    if (rest) await writer.write(rest);
    error = progress.error;
  } finally {
    await writer.end();
  }
  if (error) {
    const hint = /pull|registry|no such image|not found/i.test(error)
      ? `; base images must exist on the engine (no registry is used): ${SETUP_HINT}`
      : '';
    throw ApplicationFailure.nonRetryable(
      `docker build of ${dockerfile} failed: ${error}${hint}`,
      ErrorType.DockerRejected,
    );
  }
  if (!(await imageExists(docker, tag)))
    throw new Error(`docker build of ${dockerfile} ended without producing ${tag}`);
  return tag;
}
