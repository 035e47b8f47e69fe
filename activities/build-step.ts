// One command of a build (activity buildExec): a `docker exec` in the build's container whose output
// streams into the log sink until it exits, times out, is cancelled or breaks. Whatever a step leaves
// running when it is given up on is killed, so a step never runs on unobserved.
//
// Not repeatable: a retry first kills what the previous attempt (known from its heartbeat) left running.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import {
  ExecOutput,
  KILL_DONE,
  TIMEOUT_EXIT_CODE,
  buildContainerName,
  killScript,
  logTarget,
  stepExecOptions,
} from './build-runner-options.js';
import { limitHit } from './build-limit-probe.js';
import { describe, execExitCode, statusOf, timer, within } from './docker-engine.js';
import type { CommandLogWriter, LogSink } from './log-sink.js';

export interface ExecInput {
  buildId: string;
  jobPath: string;
  number: number;
  commandKey: string;
  command: string;
  env: Record<string, string>;
  secrets: string[];
  timeoutMs: number;
  /** false: untrusted code (a pull request); its host loads no secret values for it (worker/build-host.ts). */
  trusted?: boolean;
}
export interface ExecResult {
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** The container limit a failed step hit ("out of memory (limit 512 MiB)", "pids limit reached …", "workspace full …"). */
  reason?: string;
}

/** After a timeout kill: how long output may still drain. After a cancellation: barely at all. */
const DRAIN_MS = 5_000;
const CANCEL_DRAIN_MS = 300;
const KILL_WAIT_MS = 5_000;

/** What an attempt heartbeats, so that its retry can find and kill what it left running. */
interface StepProgress {
  execId?: string;
  pid?: number;
  marker?: string;
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

/** SIGKILLs a step's process group and every process carrying its marker, from a second exec. */
export async function killStep(container: Docker.Container, pid: number | undefined, marker: string): Promise<void> {
  try {
    const exec = await container.exec({
      Cmd: ['/bin/sh', '-c', killScript(pid, marker)],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    let seen = '';
    const done = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString('latin1')).slice(-64);
        if (seen.includes(KILL_DONE)) resolve();
      });
      stream
        .once('end', resolve)
        .once('close', resolve)
        .once('error', () => resolve());
    });
    await within(done, KILL_WAIT_MS);
    stream.destroy();
  } catch (err) {
    if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err; // no container, or not running: nothing left to kill
  }
}

type Outcome =
  { kind: 'exit'; code: number } | { kind: 'timeout' } | { kind: 'cancel' } | { kind: 'error'; err: unknown };
interface StepRun {
  outcome: Outcome;
  pump: Promise<void>;
  stream: Duplex;
}

/** Starts the exec and streams its output into `writer` until it exits, times out, is cancelled or breaks. */
async function runStep(
  exec: Docker.Exec,
  output: ExecOutput,
  writer: CommandLogWriter,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StepRun> {
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
    pump
      .then(() => execExitCode(exec, stop))
      .then(
        (code): Outcome => ({ kind: 'exit', code }),
        (err: unknown): Outcome => ({ kind: 'error', err }),
      ),
    deadline.promise.then((): Outcome => ({ kind: 'timeout' })),
    aborted.then((): Outcome => ({ kind: 'cancel' })),
  ]);
  stop.stopped = true;
  deadline.clear();
  signal.removeEventListener('abort', onAbort);
  return { outcome, pump, stream };
}

/**
 * One attempt at `input.command` in the build's container: `details` is what it heartbeats, `run`
 * executes it. (A build id that is no name fails here, before the activity heartbeats.)
 */
export function stepAttempt(docker: Docker, logs: LogSink, input: ExecInput) {
  const name = buildContainerName(input.buildId);
  const container = docker.getContainer(name);
  const marker = randomBytes(8).toString('hex');
  const output = new ExecOutput();
  let execId: string | undefined;

  async function run(signal: AbortSignal): Promise<ExecResult> {
    const ctx = Context.current();
    const previous = ctx.info.heartbeatDetails as StepProgress | undefined;
    if (ctx.info.attempt > 1 && previous?.execId && previous.marker) {
      const running = await docker
        .getExec(previous.execId)
        .inspect()
        .then(
          (i) => i.Running,
          () => false,
        );
      if (running) await killStep(container, previous.pid, previous.marker);
    }
    let exec: Docker.Exec;
    try {
      exec = await container.exec(stepExecOptions({ command: input.command, env: input.env, marker }));
    } catch (err) {
      if (statusOf(err) === 404 || statusOf(err) === 409) {
        throw ApplicationFailure.nonRetryable(
          `build container ${name} is missing or not running (${describe(err)})`,
          ErrorType.DockerRejected,
        );
      }
      throw err;
    }
    execId = exec.id;
    // A step runs once (never retried), so its first attempt starts an empty log.
    const writer = endOnce(await logs.open({ ...logTarget(input, input.commandKey), fresh: ctx.info.attempt === 1 }));
    const startedAt = Date.now();
    let stepRun: StepRun;
    try {
      stepRun = await runStep(exec, output, writer, input.timeoutMs, signal);
    } catch (err) {
      await writer.end().catch(() => undefined);
      throw err;
    }
    const { outcome, pump, stream } = stepRun;
    if (outcome.kind === 'exit') {
      const durationMs = Date.now() - startedAt;
      const reason = outcome.code === 0 ? null : await limitHit(container);
      if (reason) await writer.write(`\n[slipway] ${reason}\n`);
      const { truncated } = await writer.end();
      return { exitCode: outcome.code, timedOut: false, truncated, durationMs, ...(reason ? { reason } : {}) };
    }
    // Timed out, cancelled or broken: the step must not run on unobserved. (When the output broke,
    // a failing kill must not hide why.)
    await killStep(container, output.pid, marker).catch((err: unknown) => {
      if (outcome.kind !== 'error') throw err;
    });
    const drained = await within(pump, outcome.kind === 'timeout' ? DRAIN_MS : CANCEL_DRAIN_MS);
    stream.destroy();
    if (outcome.kind === 'timeout') {
      const durationMs = Date.now() - startedAt;
      const reason = await limitHit(container);
      if (drained)
        await writer.write(
          `\n[slipway] timed out after ${input.timeoutMs} ms: the step's processes were killed\n${reason ? `[slipway] ${reason}\n` : ''}`,
        );
      const { truncated } = await writer.end();
      return { exitCode: TIMEOUT_EXIT_CODE, timedOut: true, truncated, durationMs, ...(reason ? { reason } : {}) };
    }
    await writer.end().catch(() => undefined);
    throw outcome.kind === 'cancel' ? (signal.reason ?? new Error('activity cancelled')) : outcome.err;
  }

  return { details: (): StepProgress => ({ execId, pid: output.pid, marker }), run };
}
