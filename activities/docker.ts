// Docker activities: run a one-shot container idempotently.
//
// Idempotency: the container name derives from input.key. An attempt first looks the container up by
// name: an exited one yields its exit code and logs, a running one is waited for, and only a missing
// one is created and started. So a retried attempt (worker crash, heartbeat timeout) re-attaches to
// the container of the earlier attempt instead of starting a second one. The container is removed at
// the end by whichever attempt sees it finish (removing twice is harmless).
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import {
  createContainer,
  inspectOrNull,
  isUnreachable,
  removeContainer,
  sleep,
  startContainer,
  statusOf,
  timer,
  unreachable,
} from './docker-engine.js';
import {
  DEFAULT_OUTPUT_LIMIT_BYTES,
  OutputCollector,
  containerOptions,
  type RunContainerInput,
  type RunContainerResult,
} from './docker-options.js';

export { containerName, containerOptions } from './docker-options.js';
export type { RunContainerInput, RunContainerResult } from './docker-options.js';

export interface DockerDeps {
  docker: Docker;
  /** Output kept per run; the tail is kept and `truncated` set. Default 256 KiB. */
  outputLimitBytes?: number;
}

const HEARTBEAT_MS = 2_000;
const LOG_DRAIN_MS = 10_000;

/** Docker timestamps carry nanoseconds; Date.parse wants at most milliseconds. Zero time → undefined. */
function parseDockerTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-')) return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

export function createDockerActivities(deps: DockerDeps) {
  const { docker } = deps;
  const limit = deps.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;

  /** The existing container named `options.name`, or a new one created (not started) from `options`. */
  async function findOrCreate(
    options: Docker.ContainerCreateOptions,
  ): Promise<{ container: Docker.Container; info: Docker.ContainerInspectInfo }> {
    const name = options.name!;
    const container = docker.getContainer(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const info = await inspectOrNull(container);
      if (info?.State.Status === 'removing') {
        // An earlier attempt finished and is removing it: its result is gone, so run anew.
        await sleep(500);
        continue;
      }
      if (info) return { container, info };
      await createContainer(docker, options); // false (created meanwhile by a concurrent attempt): attach to it
    }
    throw ApplicationFailure.retryable(`container ${name} is stuck being removed`);
  }

  async function dockerRunContainer(input: RunContainerInput): Promise<RunContainerResult> {
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    const { name, options } = containerOptions(input);
    const collector = new OutputCollector(limit, input.secretValues ?? []);
    const streams = new AbortController();
    const onCancel = () => streams.abort();
    signal.addEventListener('abort', onCancel, { once: true });
    let container: Docker.Container | undefined;
    try {
      const found = await findOrCreate(options);
      container = found.container;
      let info = found.info;
      if (info.State.Status === 'created') {
        await startContainer(container, name);
        info = (await inspectOrNull(container)) ?? info;
      }
      const startedAt = parseDockerTime(info.State.StartedAt) ?? Date.now();
      const deadline = input.timeoutMs !== undefined ? startedAt + input.timeoutMs : Infinity;

      // Follow the logs from the beginning: the stream ends when the container stops.
      const logStream = (await container.logs({
        follow: true,
        stdout: true,
        stderr: true,
        abortSignal: streams.signal,
      } as Docker.ContainerLogsOptions & { follow: true })) as unknown as Readable;
      const logsDone = new Promise<void>((resolve) => {
        logStream.on('data', (chunk: Buffer) => collector.pushFrames(chunk));
        logStream.on('end', resolve);
        logStream.on('close', resolve);
        logStream.on('error', () => resolve());
      });

      const exited = (
        container.wait({ condition: 'not-running', abortSignal: streams.signal }) as Promise<{ StatusCode: number }>
      ).then(
        (r) => ({ kind: 'exit' as const, code: r.StatusCode }),
        (err: unknown) => ({ kind: 'error' as const, err }),
      );
      const cancelled = new Promise<{ kind: 'cancel' }>((resolve) => {
        if (signal.aborted) resolve({ kind: 'cancel' });
        else signal.addEventListener('abort', () => resolve({ kind: 'cancel' }), { once: true });
      });

      const finish = async (code: number): Promise<RunContainerResult> => {
        const drained = timer(LOG_DRAIN_MS);
        await Promise.race([logsDone, drained.promise]);
        drained.clear();
        streams.abort();
        const last = await inspectOrNull(container!);
        const finishedAt = parseDockerTime(last?.State.FinishedAt) ?? Date.now();
        await removeContainer(container!);
        const { output, truncated } = collector.result();
        return { exitCode: code, output, truncated, durationMs: Math.max(0, finishedAt - startedAt) };
      };

      ctx.heartbeat({ container: name });
      for (;;) {
        const tick = timer(Math.min(HEARTBEAT_MS, deadline - Date.now()));
        const next = await Promise.race([exited, cancelled, tick.promise.then(() => ({ kind: 'tick' as const }))]);
        tick.clear();
        if (next.kind === 'exit') return await finish(next.code);
        if (next.kind === 'cancel') throw signal.reason ?? new Error('activity cancelled');
        if (next.kind === 'error') {
          if (statusOf(next.err) === 404) {
            throw ApplicationFailure.retryable(
              `container ${name} disappeared while running (removed by someone else?)`,
            );
          }
          throw next.err;
        }
        if (Date.now() >= deadline) {
          // It may have finished in time (e.g. a retry re-attaching late): then that result stands.
          const now = await inspectOrNull(container);
          if (now && !now.State.Running && now.State.Status !== 'created') {
            const r = await exited;
            if (r.kind === 'exit') return await finish(r.code);
          }
          streams.abort();
          await removeContainer(container);
          const { output, truncated } = collector.result();
          throw ApplicationFailure.nonRetryable(
            `container ${name} (${input.image}) timed out after ${input.timeoutMs} ms and was killed`,
            ErrorType.Timeout,
            { output, truncated },
          );
        }
        ctx.heartbeat({ container: name });
      }
    } catch (err) {
      streams.abort();
      if (signal.aborted) {
        // Cancelled: stop the container now rather than let it run on unobserved.
        if (container) await removeContainer(container).catch(() => undefined);
        throw signal.reason ?? err;
      }
      if (isUnreachable(err)) throw unreachable(err);
      throw err;
    } finally {
      signal.removeEventListener('abort', onCancel);
    }
  }

  async function dockerPing(): Promise<void> {
    try {
      await docker.ping();
    } catch (err) {
      throw unreachable(err);
    }
  }

  return { dockerRunContainer, dockerPing };
}

export type DockerActivities = ReturnType<typeof createDockerActivities>;
