// Build runner activities: ONE container per build, every command of the build a `docker exec` in it.
// Lifecycle (Woodpecker's): buildCheckout (workspace) → buildStart (image, container) → buildExec per
// command (stream output into the log sink, wait for the exit code) → buildDestroy. All activities of
// a build run on the host holding its workspace (the worker registers them on a per-host task queue).
//
// Idempotency: checkout reuses a clone at its recorded commit (activities/git.ts); start reuses a
// running container by name and a built image by tag; destroy is safe to call any number of times and
// when nothing exists. exec is not repeatable: a retry first kills whatever the previous attempt
// (known from its heartbeat) left running, then runs the command again.
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import {
  BuildProgress, ExecOutput, KILL_DONE, LABEL_BUILD, TIMEOUT_EXIT_CODE, buildContainerName, buildContainerOptions, buildImageTag, buildWorkspace,
  dockerfilePath, killScript, stepExecOptions,
} from './build-runner-options.js';
import { LABEL_MANAGED } from './docker-options.js';
import { checkoutRepository, readJobFile } from './git.js';
import type { CommandLogWriter, LogSink, LogTarget } from './log-sink.js';

export interface BuildRunnerDeps {
  docker: Docker;
  /** Host directory; the workspace of a build is join(workspaceRoot, buildId). */
  workspaceRoot: string;
  hostName: string;
  logs: LogSink;
  /** Image of jobs that name neither image nor dockerfile. Default slipway/step:default. */
  defaultImage?: string;
}

export interface CheckoutInput { buildId: string; jobPath: string; number: number; repository?: { url: string; ref: string }; secrets: string[] }
export interface CheckoutResult {
  commit: string | null;
  /** Text of .slipway.yml (or .slipway.yaml / .slipway.json) at the repository root, if any. */
  jobFile: string | null;
}
export interface StartInput { buildId: string; jobPath: string; number: number; image?: string; dockerfile?: string; env: Record<string, string>; secrets: string[] }
export interface StartResult { containerId: string; image: string }
export interface ExecInput {
  buildId: string; jobPath: string; number: number; commandKey: string; command: string;
  env: Record<string, string>; secrets: string[]; timeoutMs: number;
}
export interface ExecResult { exitCode: number; timedOut: boolean; truncated: boolean; durationMs: number }

const HEARTBEAT_MS = 2_000;
/** After a timeout kill: how long output may still drain. After a cancellation: barely at all. */
const DRAIN_MS = 5_000;
const CANCEL_DRAIN_MS = 300;
const KILL_WAIT_MS = 5_000;
const SETUP_HINT = 'run `bash infra/setup.sh run`';

interface DockerError extends Error { statusCode?: number; json?: { message?: string } }
const statusOf = (err: unknown): number | undefined => (err as DockerError | undefined)?.statusCode;
const describe = (err: unknown): string => (err as DockerError)?.json?.message ?? (err as Error)?.message ?? String(err);

function timer(ms: number): { promise: Promise<void>; clear(): void } {
  let t: NodeJS.Timeout | undefined;
  // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): clamp rather than time out immediately.
  const promise = new Promise<void>((resolve) => { t = setTimeout(resolve, Math.min(Math.max(ms, 0), 2 ** 31 - 1)); });
  return { promise, clear: () => clearTimeout(t) };
}
const sleep = (ms: number) => timer(ms).promise;

/** Waits for `p` at most `ms`; says whether it settled. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  const t = timer(ms);
  const settled = await Promise.race([p.then(() => true, () => true), t.promise.then(() => false)]);
  t.clear();
  return settled;
}

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

/** A writer that drops writes after end(): output still draining when a step is given up on. */
function endOnce(writer: CommandLogWriter): CommandLogWriter {
  let ended = false;
  return {
    write: (chunk) => (ended ? Promise.resolve() : writer.write(chunk)),
    end: () => {
      ended = true;
      return writer.end();
    },
  };
}

const logTarget = (i: Omit<LogTarget, 'commandKey'>, commandKey: string): LogTarget =>
  ({ buildId: i.buildId, jobPath: i.jobPath, number: i.number, commandKey, secrets: i.secrets });

async function inspectOrNull(container: Docker.Container): Promise<Docker.ContainerInspectInfo | null> {
  return container.inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return null;
    throw err;
  });
}

/** Force-removes a container; one already gone (404) or being removed (409) is fine. */
async function removeContainer(container: Docker.Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch((err: unknown) => {
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
  });
}

export function createBuildRunnerActivities(deps: BuildRunnerDeps) {
  const { docker } = deps;
  const workspaceRoot = resolve(deps.workspaceRoot); // a bind mount needs an absolute host path
  const defaultImage = deps.defaultImage ?? 'slipway/step:default';
  const imageExists = (ref: string) => docker.getImage(ref).inspect().then(() => true, (err: unknown) => {
    if (statusOf(err) === 404) return false;
    throw err;
  });

  /** `docker build` of the job's Dockerfile with the workspace as context; a present tag is reused. */
  async function buildImage(input: StartInput & { dockerfile: string }, workspace: string, signal: AbortSignal): Promise<string> {
    const tag = buildImageTag(input.buildId);
    if (await imageExists(tag)) return tag;
    const dockerfile = dockerfilePath(input.dockerfile);
    if (!(await access(join(workspace, dockerfile)).then(() => true, () => false))) {
      throw ApplicationFailure.nonRetryable(`dockerfile ${dockerfile} not found in the repository`, ErrorType.BadConfig);
    }
    const writer = await deps.logs.open(logTarget(input, 'job/image'));
    let error: string | null;
    try {
      const stream = (await docker.buildImage({ context: workspace, src: await readdir(workspace) }, {
        t: tag, dockerfile, rm: true, forcerm: true, abortSignal: signal,
        labels: { [LABEL_MANAGED]: '1', [LABEL_BUILD]: input.buildId },
      })) as unknown as Readable;
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
      const hint = /pull|registry|no such image|not found/i.test(error) ? `; base images must exist on the engine (no registry is used): ${SETUP_HINT}` : '';
      throw ApplicationFailure.nonRetryable(`docker build of ${dockerfile} failed: ${error}${hint}`, ErrorType.DockerRejected);
    }
    if (!(await imageExists(tag))) throw new Error(`docker build of ${dockerfile} ended without producing ${tag}`);
    return tag;
  }

  /** The running build container: an existing one (reused), an earlier stopped one (restarted), or a new one. */
  async function ensureContainer(options: Docker.ContainerCreateOptions): Promise<string> {
    const name = options.name!;
    const container = docker.getContainer(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const info = await inspectOrNull(container);
      if (info?.State.Running) return info.Id;
      if (info?.State.Status === 'removing') { await sleep(500); continue; }
      if (info?.State.Status === 'dead') { await removeContainer(container); continue; }
      if (!info) {
        try {
          await docker.createContainer(options);
        } catch (err) {
          if (statusOf(err) === 409) continue; // created meanwhile by a concurrent attempt
          if (statusOf(err) === 404) {
            throw ApplicationFailure.nonRetryable(
              `image ${options.Image} not found on the Docker engine (${describe(err)}); no registry is used: ${SETUP_HINT} to build the step images`,
              ErrorType.DockerRejected,
            );
          }
          if (statusOf(err) === 400) throw ApplicationFailure.nonRetryable(`Docker refused container ${name}: ${describe(err)}`, ErrorType.DockerRejected);
          throw err;
        }
      }
      try {
        await container.start();
      } catch (err) {
        if (statusOf(err) !== 304) {
          await removeContainer(container);
          if (statusOf(err) === 400) throw ApplicationFailure.nonRetryable(`Docker could not start container ${name}: ${describe(err)}`, ErrorType.DockerRejected);
          throw err;
        }
      }
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

  /** SIGKILLs a step's process group and every process carrying its marker, from a second exec. */
  async function killStep(container: Docker.Container, pid: number | undefined, marker: string): Promise<void> {
    try {
      const exec = await container.exec({ Cmd: ['/bin/sh', '-c', killScript(pid, marker)], AttachStdout: true, AttachStderr: true });
      const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
      let seen = '';
      const done = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          seen = (seen + chunk.toString('latin1')).slice(-64);
          if (seen.includes(KILL_DONE)) resolve();
        });
        stream.once('end', resolve).once('close', resolve).once('error', () => resolve());
      });
      await within(done, KILL_WAIT_MS);
      stream.destroy();
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err; // no container, or not running: nothing left to kill
    }
  }

  /** The exit code, once the exec's main process has ended (its output may end before: closed stdout). */
  async function exitCodeOf(exec: Docker.Exec, stop: { stopped: boolean }): Promise<number> {
    for (let wait = 20; !stop.stopped; wait = Math.min(wait * 2, 500)) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await sleep(wait);
    }
    return -1;
  }

  type Outcome = { kind: 'exit'; code: number } | { kind: 'timeout' } | { kind: 'cancel' } | { kind: 'error'; err: unknown };
  interface StepRun { outcome: Outcome; pump: Promise<void>; stream: Duplex }

  /** Starts the exec and streams its output into `writer` until it exits, times out, is cancelled or breaks. */
  async function runStep(exec: Docker.Exec, output: ExecOutput, writer: CommandLogWriter, timeoutMs: number, signal: AbortSignal): Promise<StepRun> {
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    // for-await pauses the socket while the sink is busy: back-pressure reaches the step's writes.
    const pump = (async () => {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const text = output.push(chunk);
        if (text) await writer.write(text);
      }
      const rest = output.end();
      if (rest) await writer.write(rest);
    })();
    const stop = { stopped: false };
    const deadline = timer(timeoutMs);
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([
      pump.then(() => exitCodeOf(exec, stop)).then((code): Outcome => ({ kind: 'exit', code }), (err: unknown): Outcome => ({ kind: 'error', err })),
      deadline.promise.then((): Outcome => ({ kind: 'timeout' })),
      aborted.then((): Outcome => ({ kind: 'cancel' })),
    ]);
    stop.stopped = true;
    deadline.clear();
    signal.removeEventListener('abort', onAbort);
    return { outcome, pump, stream };
  }

  return {
    async buildCheckout(input: CheckoutInput): Promise<CheckoutResult> {
      const dir = buildWorkspace(workspaceRoot, input.buildId);
      return activity(() => undefined, async (signal) => {
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
      });
    },

    async buildStart(input: StartInput): Promise<StartResult> {
      const workspace = buildWorkspace(workspaceRoot, input.buildId);
      return activity(() => undefined, async (signal) => {
        await mkdir(workspace, { recursive: true });
        const image = input.dockerfile ? await buildImage({ ...input, dockerfile: input.dockerfile }, workspace, signal) : (input.image ?? defaultImage);
        const options = buildContainerOptions({ buildId: input.buildId, image, hostName: deps.hostName, workspace, env: input.env });
        return { containerId: await ensureContainer(options), image };
      });
    },

    async buildExec(input: ExecInput): Promise<ExecResult> {
      const name = buildContainerName(input.buildId);
      const container = docker.getContainer(name);
      const marker = randomBytes(8).toString('hex');
      const output = new ExecOutput();
      let execId: string | undefined;
      return activity(() => ({ execId, pid: output.pid, marker }), async (signal) => {
        const ctx = Context.current();
        const previous = ctx.info.heartbeatDetails as { execId?: string; pid?: number; marker?: string } | undefined;
        if (ctx.info.attempt > 1 && previous?.execId && previous.marker) {
          const running = await docker.getExec(previous.execId).inspect().then((i) => i.Running, () => false);
          if (running) await killStep(container, previous.pid, previous.marker);
        }
        let exec: Docker.Exec;
        try {
          exec = await container.exec(stepExecOptions({ command: input.command, env: input.env, marker }));
        } catch (err) {
          if (statusOf(err) === 404 || statusOf(err) === 409) {
            throw ApplicationFailure.nonRetryable(`build container ${name} is missing or not running (${describe(err)})`, ErrorType.DockerRejected);
          }
          throw err;
        }
        execId = exec.id;
        // A step runs once (never retried), so its first attempt starts an empty log.
        const writer = endOnce(await deps.logs.open({ ...logTarget(input, input.commandKey), fresh: Context.current().info.attempt === 1 }));
        const startedAt = Date.now();
        let run: StepRun;
        try {
          run = await runStep(exec, output, writer, input.timeoutMs, signal);
        } catch (err) {
          await writer.end().catch(() => undefined);
          throw err;
        }
        const { outcome, pump, stream } = run;
        if (outcome.kind === 'exit') {
          const { truncated } = await writer.end();
          return { exitCode: outcome.code, timedOut: false, truncated, durationMs: Date.now() - startedAt };
        }
        // Timed out, cancelled or broken: the step must not run on unobserved. (When the output broke,
        // a failing kill must not hide why.)
        await killStep(container, output.pid, marker).catch((err: unknown) => {
          if (outcome.kind !== 'error') throw err;
        });
        const drained = await within(pump, outcome.kind === 'timeout' ? DRAIN_MS : CANCEL_DRAIN_MS);
        stream.destroy();
        if (outcome.kind === 'timeout') {
          if (drained) await writer.write(`\n[slipway] timed out after ${input.timeoutMs} ms: the step's processes were killed\n`);
          const { truncated } = await writer.end();
          return { exitCode: TIMEOUT_EXIT_CODE, timedOut: true, truncated, durationMs: Date.now() - startedAt };
        }
        await writer.end().catch(() => undefined);
        throw outcome.kind === 'cancel' ? (signal.reason ?? new Error('activity cancelled')) : outcome.err;
      });
    },

    async buildDestroy(input: { buildId: string }): Promise<void> {
      const name = buildContainerName(input.buildId);
      const labelled = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BUILD}=${input.buildId}`] } });
      const ids = new Set([name, ...labelled.map((c) => c.Id)]);
      for (const id of ids) await removeContainer(docker.getContainer(id));
      for (let i = 0; i < 50 && (await inspectOrNull(docker.getContainer(name))); i++) await sleep(200); // a removal in progress
      await docker.getImage(buildImageTag(input.buildId)).remove({ force: true }).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
      await rm(buildWorkspace(workspaceRoot, input.buildId), { recursive: true, force: true });
    },
  };
}

export type BuildRunnerActivities = ReturnType<typeof createBuildRunnerActivities>;
