// The pure part of the build runner: names derived from a build id, the options of the build's
// container and of a step's `docker exec`, the script that kills a step, and the parsers of an exec's
// output stream and of Docker's build progress. No I/O here; activities/build-runner.ts does the talking to the engine.
import { posix } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import type { Confinement } from '../domain/build-limits.js';
import { WORKSPACE_MOUNT, confinedHostConfig, userSpec } from './build-confinement.js';
import { LABEL_BUILD, LABEL_MANAGED, envList } from './docker-engine-options.js';
import { FrameText } from './docker-frames.js';
import type { LogTarget } from './log-sink.js';

export { LABEL_BUILD } from './docker-engine-options.js';
export { WORKSPACE_MOUNT } from './build-confinement.js';
export const LABEL_HOST = 'slipway.host';
/** Set in every step's environment (and inherited by its children): how a kill finds escaped processes. */
export const STEP_MARKER_ENV = 'SLIPWAY_STEP_ID';
/** What a step that ran out of time exits with, as coreutils' `timeout` does. */
export const TIMEOUT_EXIT_CODE = 124;

// Usable unchanged as a path segment, in a container name and as an image tag (≤ 128 characters).
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The build id, if it is safe as a directory name, container name and image tag; else a terminal failure. */
export function checkBuildId(buildId: string): string {
  if (!BUILD_ID.test(buildId)) {
    throw ApplicationFailure.nonRetryable(
      `invalid build id ${JSON.stringify(buildId)}: 1–100 of letters, digits, "_", ".", "-", starting with a letter or digit`,
      ErrorType.BadConfig,
    );
  }
  return buildId;
}

export const buildContainerName = (buildId: string): string => `slipway-build-${checkBuildId(buildId)}`;
export const buildImageTag = (buildId: string): string => `slipway/build:${checkBuildId(buildId)}`;
export const buildWorkspace = (workspaceRoot: string, buildId: string): string =>
  posix.join(workspaceRoot, checkBuildId(buildId));

/** Where the output of command `commandKey` of this build goes. */
export const logTarget = (build: Omit<LogTarget, 'commandKey'>, commandKey: string): LogTarget => ({
  buildId: build.buildId,
  jobPath: build.jobPath,
  number: build.number,
  commandKey,
  secrets: build.secrets,
});

/** The Dockerfile path relative to the workspace (POSIX); one leaving the workspace is a terminal failure. */
export function dockerfilePath(dockerfile: string): string {
  const p = posix.normalize(dockerfile.replace(/\\/g, '/'));
  if (p === '.' || p.startsWith('/') || p === '..' || p.startsWith('../')) {
    throw ApplicationFailure.nonRetryable(
      `dockerfile ${JSON.stringify(dockerfile)} must be a file inside the repository`,
      ErrorType.BadConfig,
    );
  }
  return p;
}

export interface BuildContainerInput {
  buildId: string;
  image: string;
  hostName: string;
  env: Record<string, string>;
  confinement: Confinement;
}

// The main process only keeps the container alive; steps run beside it through `docker exec`.
// docker-init (Init) is PID 1, so killed steps' orphans are reaped and a stop is prompt.
const KEEP_ALIVE = 'while :; do sleep 86400; done';

/** Create options of the one container a build's steps run in, confined (build-confinement.ts). */
export function buildContainerOptions(input: BuildContainerInput): Docker.ContainerCreateOptions {
  return {
    name: buildContainerName(input.buildId),
    Image: input.image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [KEEP_ALIVE],
    Env: envList(input.env),
    WorkingDir: WORKSPACE_MOUNT,
    User: userSpec(input.confinement),
    Labels: { [LABEL_MANAGED]: '1', [LABEL_BUILD]: input.buildId, [LABEL_HOST]: input.hostName },
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: { ...confinedHostConfig(input.buildId, input.confinement), Init: true, AutoRemove: false },
  };
}

// runc makes an exec'd process the leader of a new session and process group; the wrapper prints its
// pid (= the group id) as the first line of stdout, then becomes the step's shell. Killing that group
// kills the step with its children; the marker variable also finds children that left the group.
const STEP_WRAPPER = 'echo "$$" && exec /bin/sh -c "$1"';

export interface StepExecInput {
  command: string;
  env: Record<string, string>;
  marker: string;
}

/** `docker exec` options of one step: ['/bin/sh', '-c', command] in /workspace, output multiplexed. */
export function stepExecOptions(input: StepExecInput): Docker.ExecCreateOptions {
  return {
    Cmd: ['/bin/sh', '-c', STEP_WRAPPER, 'slipway-step', input.command],
    Env: [...envList(input.env), `${STEP_MARKER_ENV}=${input.marker}`],
    WorkingDir: WORKSPACE_MOUNT,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  };
}

/** The kill script's last line. Its caller waits for it, not for the exec to end: Docker reports an
 * exec's end up to 2 s late while an escaped process still holds the step's output, and queues the
 * kill exec's end behind it. */
export const KILL_DONE = 'slipway-killed';

/**
 * A /bin/sh script (for a second exec) that SIGKILLs the step's process group and every process whose
 * environment carries the step's marker. Only POSIX sh, `kill`, `tr` and `grep`: busybox and Debian both have them.
 */
export function killScript(pid: number | undefined, marker: string): string {
  if (!/^[0-9a-f]+$/.test(marker)) throw new Error(`invalid step marker ${JSON.stringify(marker)}`);
  const group = pid !== undefined && Number.isInteger(pid) && pid > 1 ? `kill -9 -${pid} 2>/dev/null; ` : '';
  // environ is NUL-separated: busybox grep would stop at the first NUL, so split it into lines first.
  const scan = `for d in /proc/[0-9]*; do tr '\\0' '\\n' 2>/dev/null <"$d/environ" | grep -qxF '${STEP_MARKER_ENV}=${marker}' && kill -9 "\${d#/proc/}" 2>/dev/null; done`;
  return `${group}${scan}; echo ${KILL_DONE}`;
}

/**
 * The text of a step's exec stream (docker-frames.ts), minus the pid line the step wrapper prints
 * first on stdout.
 */
export class ExecOutput {
  private readonly text = new FrameText();
  private head: Buffer | null = Buffer.alloc(0); // stdout bytes before the pid line's end; null once parsed
  /** The step's process group id, once its line has arrived. */
  pid: number | undefined;

  /** Feeds raw bytes; returns the text they complete (possibly ''). */
  push(chunk: Buffer): string {
    return this.text.push(chunk, (payload) => this.stripHead(payload));
  }

  /** The text still held back (call once the stream has ended). */
  end(): string {
    const head = this.head ?? Buffer.alloc(0);
    this.head = null;
    return this.text.end(head);
  }

  private stripHead(payload: Buffer): Buffer {
    if (this.head === null) return payload;
    const all = Buffer.concat([this.head, payload]);
    const nl = all.indexOf(0x0a);
    if (nl < 0 && all.length < 32) {
      this.head = all;
      return Buffer.alloc(0);
    }
    this.head = null;
    const line = nl < 0 ? '' : all.subarray(0, nl).toString('latin1');
    if (/^[0-9]+$/.test(line)) {
      this.pid = Number(line);
      return all.subarray(nl + 1);
    }
    return all; // not the wrapper's line (cannot happen with STEP_WRAPPER): keep it as output
  }
}

/** Turns Docker's build progress (JSON objects, one a line) into log text and keeps the build's error. */
export class BuildProgress {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  /** The build's error message, once one has arrived. */
  error: string | null = null;

  /** Feeds raw bytes; returns the text of the lines they complete (possibly ''). */
  push(chunk: Buffer): string {
    this.rest += this.decoder.write(chunk);
    let text = '';
    for (let nl = this.rest.indexOf('\n'); nl >= 0; nl = this.rest.indexOf('\n')) {
      text += this.line(this.rest.slice(0, nl));
      this.rest = this.rest.slice(nl + 1);
    }
    return text;
  }

  /** The text of an unterminated last line (call once the stream has ended). */
  end(): string {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    return this.line(last);
  }

  private line(line: string): string {
    if (!line.trim()) return '';
    let msg: { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return `${line}\n`;
    }
    if (msg.error) {
      this.error = msg.errorDetail?.message ?? msg.error;
      return `${this.error}\n`;
    }
    return msg.stream ?? (msg.status ? `${msg.status}\n` : '');
  }
}
