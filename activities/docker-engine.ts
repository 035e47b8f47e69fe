// The Docker engine calls shared by the deployer (docker.ts) and the build runner (build-runner*.ts):
// reading and mapping the engine's errors, and the container calls each of them repeats on a retry.
// Every helper here is safe to call again after a crash: a container already there, already started,
// already gone or already being removed is an answer, not an error.
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';

export const SETUP_HINT = 'run `bash infra/setup.sh run`';

interface DockerError extends Error {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
}

/** The engine's HTTP status of a failed call (undefined when the engine was not reached). */
export function statusOf(err: unknown): number | undefined {
  return (err as DockerError | undefined)?.statusCode;
}

/** The engine's own message when it sent one, else the error's. */
export function describe(err: unknown): string {
  const e = err as DockerError;
  return e?.json?.message ?? e?.message ?? String(err);
}

/** The socket or TCP connection to the engine failed: no dockerd, or no permission to reach it. */
export function isUnreachable(err: unknown): boolean {
  const code = (err as DockerError | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET';
}

export function unreachable(err: unknown): ApplicationFailure {
  return ApplicationFailure.retryable(
    `Docker engine not reachable (${describe(err)}): is dockerd running? ${SETUP_HINT}`,
  );
}

export function timer(ms: number): { promise: Promise<void>; clear(): void } {
  let t: NodeJS.Timeout | undefined;
  // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): clamp rather than time out immediately.
  const promise = new Promise<void>((resolve) => {
    t = setTimeout(resolve, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
  });
  return { promise, clear: () => clearTimeout(t) };
}

export const sleep = (ms: number): Promise<void> => timer(ms).promise;

/** Waits for `p` at most `ms`; says whether it settled. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const t = timer(ms);
  const settled = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    t.promise.then(() => false),
  ]);
  t.clear();
  return settled;
}

export async function inspectOrNull(container: Docker.Container): Promise<Docker.ContainerInspectInfo | null> {
  return container.inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return null;
    throw err;
  });
}

/** Force-removes a container; one already gone (404) or being removed (409) is fine. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch((err: unknown) => {
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
  });
}

/**
 * Creates the container `options.name`; false when one of that name exists already (a concurrent
 * attempt created it: attach to that one). A missing image or options the engine refuses are terminal.
 */
export async function createContainer(docker: Docker, options: Docker.ContainerCreateOptions): Promise<boolean> {
  try {
    await docker.createContainer(options);
    return true;
  } catch (err) {
    const status = statusOf(err);
    if (status === 409) return false;
    if (status === 404) {
      throw ApplicationFailure.nonRetryable(
        `image ${options.Image} not found on the Docker engine (${describe(err)}); no registry is used: ${SETUP_HINT} to build the step images`,
        ErrorType.DockerRejected,
      );
    }
    if (status === 400)
      throw ApplicationFailure.nonRetryable(
        `Docker refused container ${options.name}: ${describe(err)}`,
        ErrorType.DockerRejected,
      );
    throw err;
  }
}

/**
 * Starts a created container; one started meanwhile by a concurrent attempt (304) is fine. Any other
 * failure drops the container, so that a retry creates it anew; a start the engine refuses is terminal.
 */
export async function startContainer(container: Docker.Container, name: string): Promise<void> {
  try {
    await container.start();
  } catch (err) {
    if (statusOf(err) === 304) return;
    await removeContainer(container);
    if (statusOf(err) === 400)
      throw ApplicationFailure.nonRetryable(
        `Docker could not start container ${name}: ${describe(err)}`,
        ErrorType.DockerRejected,
      );
    throw err;
  }
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      (err: unknown) => {
        if (statusOf(err) === 404) return false;
        throw err;
      },
    );
}

/** Force-removes an image; one already gone (404) is fine. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove({ force: true })
    .catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
}

/** The exit code, once the exec's main process has ended (its output may end before: closed stdout); -1 if stopped first. */
export async function execExitCode(exec: Docker.Exec, stop: { stopped: boolean }): Promise<number> {
  for (let wait = 20; !stop.stopped; wait = Math.min(wait * 2, 500)) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await sleep(wait);
  }
  return -1;
}
