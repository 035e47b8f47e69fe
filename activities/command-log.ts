import type { FileHandle } from 'node:fs/promises';
import type { Database, Db } from '../db/client.js';
import { insertLogChunk, notifyLogChunk } from '../db/build-logs.js';
import { logger } from '../infra/logger.js';
import type { CommandLogWriter, LogTarget } from './log-sink.js';
import { RollingTail, createMasker, pieces, splitAtByte } from './output-text.js';

// One command's log, as the build log sink (build-logs.ts) opens it: masked, stored in chunks of at
// most `chunkBytes` (at once when a chunk is full, else after `flushMs`), mirrored to its file and
// announced. Output past `capBytes` keeps only its first half of the cap (stored live) and its last
// half (stored at end()).

const MiB = 1024 * 1024;

export interface CommandLogOptions {
  db: Db;
  pubsub: Database['pubsub'];
  capBytes: number;
  chunkBytes: number;
  flushMs: number;
}

/**
 * One command's log. Offsets are byte positions in the stored log, so a retried attempt (the same
 * command re-run or re-tailed) skips what an earlier one stored below `resumeAt`, and the unique
 * (build, command, offset) index turns a repeated insert into a no-op.
 */
export class CommandLog implements CommandLogWriter {
  private readonly masker: ReturnType<typeof createMasker>;
  private readonly headLimit: number;
  private readonly tail: RollingTail;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes accepted into the live (head) part of the log, stored or pending. */
  private accepted = 0;
  /** Offset of the next chunk to store. */
  private position = 0;
  private produced = 0;
  private capped = false;
  private headEndsLine = true;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  private ended: Promise<{ bytes: number; truncated: boolean }> | null = null;

  constructor(
    private readonly opts: CommandLogOptions,
    private readonly target: LogTarget,
    private readonly file: FileHandle,
    private readonly resumeAt: number,
  ) {
    this.masker = createMasker(target.secrets);
    this.headLimit = Math.floor(opts.capBytes / 2);
    this.tail = new RollingTail(opts.capBytes - this.headLimit);
  }

  async write(chunk: string): Promise<void> {
    if (this.ended) throw new Error(`log of ${this.target.commandKey} already ended`);
    this.throwIfFailed();
    this.accept(this.masker.push(chunk));
    if (this.pendingBytes >= this.opts.chunkBytes) await this.flush(false);
    if (this.pendingBytes > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush().catch(() => {});
      }, this.opts.flushMs).unref();
    }
  }

  end(): Promise<{ bytes: number; truncated: boolean }> {
    return (this.ended ??= this.finish());
  }

  private async finish() {
    try {
      this.accept(this.masker.flush());
      await this.flush();
      let truncated = false;
      if (this.capped) {
        const { omitted, text } = this.tail.take({ wholeLines: true });
        truncated = omitted > 0;
        this.enqueue(truncated ? truncationNotice(omitted, this.opts.capBytes) + text : text);
        await this.flush();
      }
      return { bytes: this.produced, truncated };
    } finally {
      if (this.timer) clearTimeout(this.timer);
      await this.file.close();
    }
  }

  private accept(text: string) {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    this.produced += bytes;
    if (this.capped) return this.tail.push(text, bytes);
    const room = this.headLimit - this.accepted;
    const [head, rest] = bytes <= room ? [text, ''] : splitAtByte(text, room);
    const headBytes = rest ? Buffer.byteLength(head) : bytes;
    if (head) {
      this.headEndsLine = head.endsWith('\n');
      this.pending.push(head);
      this.pendingBytes += headBytes;
      this.accepted += headBytes;
    }
    if (rest) {
      this.capped = true;
      this.tail.startsLine = this.headEndsLine;
      this.tail.push(rest, bytes - headBytes);
    }
  }

  /**
   * Stores what is pending (`whole`) or only whole chunks of it, keeping the rest for the next write or
   * the timer; resolves when everything queued so far is stored, or throws what failed.
   */
  private flush(whole = true): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pendingBytes > 0) {
      let text = this.pending.join('');
      let rest = '';
      if (!whole) [text, rest] = splitAtByte(text, this.pendingBytes - (this.pendingBytes % this.opts.chunkBytes));
      this.pending = rest ? [rest] : [];
      this.pendingBytes = rest ? Buffer.byteLength(rest) : 0;
      if (text) this.enqueue(text);
    }
    return this.queue.then(() => this.throwIfFailed());
  }

  /** Stores in order; after a failure nothing more is stored (a later offset would leave a gap). */
  private enqueue(text: string) {
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await this.store(text);
      } catch (err) {
        this.failure = err;
      }
    });
  }

  private async store(text: string) {
    for (let piece of pieces(text, this.opts.chunkBytes)) {
      let offset = this.position;
      const bytes = Buffer.byteLength(piece);
      this.position += bytes;
      if (this.position <= this.resumeAt) continue;
      if (offset < this.resumeAt) {
        piece = splitAtByte(piece, this.resumeAt - offset)[1];
        offset = this.resumeAt;
      }
      await this.storeChunk(offset, piece);
    }
  }

  /** Row first, then file, then notice: a crash between them is repaired by the retry's rebuildFile. */
  private async storeChunk(offset: number, text: string) {
    const { buildId, commandKey } = this.target;
    const id = await insertLogChunk(this.opts.db, { buildId, commandKey, offset, text });
    if (id === null) return;
    await this.file.write(text);
    // Followers also re-read on every heartbeat, so a lost notice only delays a line.
    await notifyLogChunk(this.opts.pubsub, { buildId, id }).catch((err: unknown) =>
      logger.warn({ err, buildId }, 'build_logs notify failed'),
    );
  }

  private throwIfFailed() {
    if (this.failure) throw this.failure;
  }
}

function truncationNotice(omitted: number, capBytes: number): string {
  const mib = (n: number) => String(Math.round((n / MiB) * 100) / 100);
  return `\n[slipway] … ${omitted} bytes of output omitted (log capped at ${mib(capBytes)} MiB per step); the last ${mib(capBytes - Math.floor(capBytes / 2))} MiB follow …\n`;
}
