// The pure part of the Docker deployer: container name and create options from the input, and the
// output collector (Docker's log stream read, masked and cut to its tail by the shared pieces).
// No I/O here; activities/docker.ts does the talking to the engine.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';
import { LABEL_MANAGED, envList } from './docker-engine-options.js';
import { FrameText } from './docker-frames.js';
import { RollingTail, createCredentialMasker, createMasker } from './output-text.js';

export interface RunContainerInput {
  /** Stable per logical run (e.g. deployment id + environment): a retry with the same key re-attaches. */
  key: string;
  image: string;
  /** Run as ['/bin/sh', '-c', command]. */
  command: string;
  env: Record<string, string>;
  timeoutMs?: number;
  labels?: Record<string, string>;
  /** Replaced by *** in the returned output. */
  secretValues?: string[];
}

export interface RunContainerResult {
  exitCode: number;
  output: string;
  truncated: boolean;
  durationMs: number;
}

export const LABEL_KEY = 'slipway.key';
export const DEFAULT_OUTPUT_LIMIT_BYTES = 256 * 1024;

const NAME_MAX = 100;

/**
 * 'slipway-' + the key with every character Docker refuses in a name replaced by '-'. When the key had
 * to be changed (or shortened), a hash of the exact key is appended so that distinct keys never share a name.
 */
export function containerName(key: string): string {
  if (key.length === 0) throw ApplicationFailure.nonRetryable('container key must not be empty', ErrorType.BadConfig);
  const sanitized = key.replace(/[^a-zA-Z0-9_.-]/g, '-');
  if (sanitized === key && key.length <= NAME_MAX) return `slipway-${key}`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `slipway-${sanitized.slice(0, NAME_MAX)}-${hash}`;
}

/** Name and create options of the one-shot container for `input` (non-TTY, not auto-removed). */
export function containerOptions(input: RunContainerInput): { name: string; options: Docker.ContainerCreateOptions } {
  const name = containerName(input.key);
  return {
    name,
    options: {
      name,
      Image: input.image,
      Cmd: ['/bin/sh', '-c', input.command],
      Env: envList(input.env),
      Labels: { ...input.labels, [LABEL_MANAGED]: '1', [LABEL_KEY]: input.key },
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: { AutoRemove: false },
    },
  };
}

/**
 * A container's output from Docker's multiplexed log stream (docker-frames.ts): secret values and
 * credentials in URLs masked (also across chunk boundaries), then only the last `limitBytes` bytes
 * kept. The deployer's container gets no secret values from us, but its tools may print a registry
 * or repository URL with the token they were configured with; the output is shown to every reader.
 */
export class OutputCollector {
  private readonly text = new FrameText();
  private readonly masker: ReturnType<typeof createMasker>;
  private readonly credentials = createCredentialMasker();
  private readonly tail: RollingTail;

  constructor(limitBytes: number = DEFAULT_OUTPUT_LIMIT_BYTES, secretValues: readonly string[] = []) {
    this.masker = createMasker(secretValues);
    this.tail = new RollingTail(limitBytes);
  }

  /** Feeds raw bytes of the multiplexed log stream. */
  pushFrames(chunk: Buffer): void {
    this.tail.push(this.credentials.push(this.masker.push(this.text.push(chunk))));
  }

  /** The output; call once, when the stream has ended. */
  result(): { output: string; truncated: boolean } {
    this.tail.push(this.credentials.push(this.masker.push(this.text.end())));
    this.tail.push(this.credentials.push(this.masker.flush()));
    this.tail.push(this.credentials.flush());
    const { omitted, text } = this.tail.take({ wholeLines: false });
    return { output: text, truncated: omitted > 0 };
  }
}
