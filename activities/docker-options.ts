// The pure part of the Docker activity: container name and create options from the input, and the
// output collector (demultiplexing of Docker's log stream, secret masking, keeping the tail).
// No I/O here; activities/docker.ts does the talking to the engine.
import { FrameReader } from './docker-frames.js';
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors.js';

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

export const LABEL_MANAGED = 'slipway';
export const LABEL_KEY = 'slipway.key';
export const DEFAULT_OUTPUT_LIMIT_BYTES = 256 * 1024;
export const SECRET_MASK = '***';

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
  const Env = Object.entries(input.env)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => {
      if (k === '' || k.includes('=') || k.includes('\0')) {
        throw ApplicationFailure.nonRetryable(`invalid environment variable name ${JSON.stringify(k)}`, ErrorType.BadConfig);
      }
      return `${k}=${v}`;
    });
  return {
    name,
    options: {
      name,
      Image: input.image,
      Cmd: ['/bin/sh', '-c', input.command],
      Env,
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
 * Collects a container's output from Docker's multiplexed (non-TTY) log stream: frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian payload length) and the payload. stdout and stderr are
 * merged in arrival order (Docker keeps the order within each stream, not between the two), secret values are masked (also across chunk boundaries), and only the last
 * `limitBytes` bytes are kept.
 */
export class OutputCollector {
  private readonly frames = new FrameReader();
  private readonly decoder = new StringDecoder('utf8');
  private readonly secrets: string[];
  private readonly carryChars: number;
  private carry = '';
  private pieces: string[] = [];
  private piecesBytes = 0;
  private dropped = false;

  constructor(
    private readonly limitBytes: number = DEFAULT_OUTPUT_LIMIT_BYTES,
    secretValues: readonly string[] = [],
  ) {
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = [...new Set(secretValues.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
    this.carryChars = Math.max(0, ...this.secrets.map((s) => s.length - 1));
  }

  /** Feeds raw bytes of the multiplexed log stream. */
  pushFrames(chunk: Buffer): void {
    for (const [, payload] of this.frames.push(chunk)) this.pushText(this.decoder.write(payload));
  }

  /** Feeds already demultiplexed output bytes. */
  pushRaw(chunk: Buffer): void {
    this.pushText(this.decoder.write(chunk));
  }

  private pushText(text: string): void {
    if (!text) return;
    let t = this.mask(this.carry + text);
    // Keep the last carryChars characters back: a secret may continue in the next chunk.
    const cut = Math.max(0, t.length - this.carryChars);
    this.carry = t.slice(cut);
    t = t.slice(0, cut);
    if (t) this.keep(t);
  }

  private mask(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(SECRET_MASK);
    return out;
  }

  private keep(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.pieces.push(text);
    this.piecesBytes += bytes;
    while (this.pieces.length > 1 && this.piecesBytes - Buffer.byteLength(this.pieces[0]!) >= this.limitBytes) {
      this.piecesBytes -= Buffer.byteLength(this.pieces.shift()!);
      this.dropped = true;
    }
  }

  /** The output so far (call once the stream has ended for the final result). */
  result(): { output: string; truncated: boolean } {
    const tail = this.mask(this.carry + this.decoder.end());
    let buf = Buffer.from(this.pieces.join('') + tail);
    let truncated = this.dropped;
    if (buf.length > this.limitBytes) {
      buf = buf.subarray(buf.length - this.limitBytes);
      truncated = true;
      // Do not start in the middle of a UTF-8 sequence.
      let i = 0;
      while (i < buf.length && i < 4 && (buf[i]! & 0xc0) === 0x80) i++;
      buf = buf.subarray(i);
    }
    return { output: buf.toString('utf8'), truncated };
  }
}
