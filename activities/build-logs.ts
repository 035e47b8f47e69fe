import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { buildLogChunks } from '../db/schema.js';
import { logger } from '../infra/logger.js';
import type { CommandLogWriter, LogSink, LogTarget } from './log-sink.js';

// Where build output goes: masked, cut into chunks in build_log_chunks (the source of truth, read by
// any API replica), mirrored to jobs/<jobPath>/<number>/<stage>/<step>.log, and announced on the
// `build_logs` channel with the chunk's id only. One writer per command, and a build's commands run
// one after another, so a build's chunk ids commit in order (followers rely on that).

const MiB = 1024 * 1024;

export interface BuildLogSinkDeps {
  db: Db;
  pubsub: Database['pubsub'];
  dataDir: string;
  /** Per command: the first half is stored live, then only the last half is kept, stored at end(). */
  capBytes?: number;
  chunkBytes?: number;
  flushMs?: number;
}

export interface LogChunk { id: number; commandKey: string; offset: number; text: string }

/** Payload of a `build_logs` notification. */
export interface BuildLogNotice { buildId: string; id: number }

export function createBuildLogSink(deps: BuildLogSinkDeps): LogSink {
  const opts = { ...deps, capBytes: deps.capBytes ?? 16 * MiB, chunkBytes: deps.chunkBytes ?? 16 * 1024, flushMs: deps.flushMs ?? 100 };
  return {
    async open(target) {
      const path = logFilePath(opts.dataDir, target);
      await mkdir(dirname(path), { recursive: true });
      const resumeAt = target.fresh ? 0 : await storedBytes(opts.db, target);
      const file = await open(path, 'w');
      try {
        await rebuildFile(opts.db, target, file, resumeAt);
      } catch (err) {
        await file.close();
        throw err;
      }
      return new CommandLog(opts, target, file, resumeAt);
    },
  };
}

/** A build's chunks in the order they were stored; page with `afterId` + `limit`. */
export async function readBuildLog(db: Db, buildId: string, opts: { commandKey?: string; afterId?: number; limit?: number } = {}): Promise<LogChunk[]> {
  const query = db.select({ id: buildLogChunks.id, commandKey: buildLogChunks.commandKey, offset: buildLogChunks.offset, text: buildLogChunks.text })
    .from(buildLogChunks)
    .where(and(
      eq(buildLogChunks.buildId, buildId),
      opts.commandKey !== undefined ? eq(buildLogChunks.commandKey, opts.commandKey) : undefined,
      opts.afterId !== undefined ? gt(buildLogChunks.id, opts.afterId) : undefined,
    ))
    .orderBy(asc(buildLogChunks.id));
  return opts.limit !== undefined ? query.limit(opts.limit) : query;
}

export function logFilePath(dataDir: string, target: Pick<LogTarget, 'jobPath' | 'number' | 'commandKey'>): string {
  const root = join(dataDir, 'jobs');
  const path = join(root, target.jobPath, String(target.number), `${target.commandKey}.log`);
  const rel = relative(root, path);
  if (rel.startsWith('..') || rel.split(sep).includes('..')) throw new Error(`log path escapes ${root}: ${target.jobPath} ${target.commandKey}`);
  return path;
}

/** How much of this command's log an earlier attempt already stored. */
async function storedBytes(db: Db, target: LogTarget): Promise<number> {
  const [row] = await db.select({ end: sql`coalesce(max(${buildLogChunks.offset} + octet_length(${buildLogChunks.text})), 0)`.mapWith(Number) })
    .from(buildLogChunks).where(and(eq(buildLogChunks.buildId, target.buildId), eq(buildLogChunks.commandKey, target.commandKey)));
  return row?.end ?? 0;
}

/** On a retry the file restarts from the stored chunks, so it never holds an attempt's text twice. */
async function rebuildFile(db: Db, target: LogTarget, file: FileHandle, resumeAt: number) {
  if (resumeAt === 0) return;
  for (let afterId = 0; ;) {
    const page = await readBuildLog(db, target.buildId, { commandKey: target.commandKey, afterId, limit: 200 });
    for (const chunk of page) await file.write(chunk.text);
    if (page.length < 200) return;
    afterId = page[page.length - 1]!.id;
  }
}

/**
 * Replaces each secret by `***`. The last `longest-1` characters are held back until the next push
 * (or flush), so a secret split across two writes is still caught.
 */
export function createMasker(secrets: string[]): { push(text: string): string; flush(): string } {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return { push: (text) => text, flush: () => '' };
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const hold = values[0]!.length - 1;
  let held = '';
  const mask = (buffer: string, cut: number) => {
    // A secret not yet complete starts at or after `cut`; a complete one straddling it is masked whole.
    // Matches from `cut` on are left as they are: they are held back and scanned again with what follows.
    if (cut > 0 && cut < buffer.length && isHighSurrogate(buffer.charCodeAt(cut - 1))) cut -= 1;
    let end = cut;
    let shrink = 0;
    const masked = buffer.replace(pattern, (match: string, at: number) => {
      if (at >= cut) return match;
      end = Math.max(end, at + match.length);
      shrink += match.length - 3;
      return '***';
    });
    held = buffer.slice(end);
    return masked.slice(0, end - shrink);
  };
  return {
    push(text) {
      const buffer = held + text;
      return mask(buffer, Math.max(0, buffer.length - hold));
    },
    flush() {
      const buffer = held;
      return mask(buffer, buffer.length);
    },
  };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Splits after at most `bytes` UTF-8 bytes, never inside a character. */
export function splitAtByte(text: string, bytes: number): [string, string] {
  if (bytes <= 0) return ['', text];
  if (Buffer.byteLength(text) === text.length) return [text.slice(0, bytes), text.slice(bytes)];
  const buf = Buffer.from(text);
  if (bytes >= buf.length) return [text, ''];
  const n = charBoundary(buf, bytes);
  return [buf.subarray(0, n).toString(), buf.subarray(n).toString()];
}

/** Pieces of at most `size` UTF-8 bytes (at least one character each), never splitting a character. */
export function* pieces(text: string, size: number): Generator<string> {
  if (Buffer.byteLength(text) === text.length) {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
    return;
  }
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length;) {
    let end = Math.min(buf.length, i + size);
    if (end < buf.length) end = charBoundary(buf, end);
    if (end <= i) for (end = i + 1; end < buf.length && (buf[end]! & 0xc0) === 0x80;) end += 1;
    yield buf.subarray(i, end).toString();
    i = end;
  }
}

/** The start of the character holding byte `n` (n itself when it starts one). */
function charBoundary(buf: Buffer, n: number): number {
  while (n > 0 && (buf[n]! & 0xc0) === 0x80) n -= 1;
  return n;
}

type SinkOptions = Required<Omit<BuildLogSinkDeps, 'capBytes' | 'chunkBytes' | 'flushMs'>> & { capBytes: number; chunkBytes: number; flushMs: number };

/**
 * One command's log. Offsets are byte positions in the stored log, so a retried attempt (the same
 * command re-run or re-tailed) skips what an earlier one stored below `resumeAt`, and the unique
 * (build, command, offset) index turns a repeated insert into a no-op.
 */
class CommandLog implements CommandLogWriter {
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

  constructor(private readonly opts: SinkOptions, private readonly target: LogTarget, private readonly file: FileHandle, private readonly resumeAt: number) {
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
      this.timer = setTimeout(() => { this.timer = null; this.flush().catch(() => {}); }, this.opts.flushMs).unref();
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
        const { omitted, text } = this.tail.take();
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
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
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
    const [row] = await this.opts.db.insert(buildLogChunks).values({ buildId, commandKey, offset, text }).onConflictDoNothing().returning({ id: buildLogChunks.id });
    if (!row) return;
    await this.file.write(text);
    const notice: BuildLogNotice = { buildId, id: row.id };
    // Followers also re-read on every heartbeat, so a lost notice only delays a line.
    await this.opts.pubsub.notify('build_logs', JSON.stringify(notice)).catch((err: unknown) => logger.warn({ err, buildId }, 'build_logs notify failed'));
  }

  private throwIfFailed() {
    if (this.failure) throw this.failure;
  }
}

function truncationNotice(omitted: number, capBytes: number): string {
  const mib = (n: number) => String(Math.round((n / MiB) * 100) / 100);
  return `\n[slipway] … ${omitted} bytes of output omitted (log capped at ${mib(capBytes)} MiB per step); the last ${mib(capBytes - Math.floor(capBytes / 2))} MiB follow …\n`;
}

/**
 * The last `limit` bytes written, in one fixed ring of bytes: nothing written stays reachable as a
 * string, so even hundreds of megabytes leave no garbage behind in the old generation. One extra
 * byte remembers what preceded the kept text (whether it begins a line).
 */
class RollingTail {
  /** Allocated at the first byte past the head: most commands never need it. */
  private ring: Buffer = Buffer.alloc(0);
  /** Where the next byte goes; once full, also the oldest byte. */
  private pos = 0;
  private filled = 0;
  private total = 0;
  /** Set when the output was cut before anything reached the tail: does the tail begin a line? */
  startsLine = true;

  constructor(private readonly limit: number) {}

  push(text: string, bytes: number) {
    if (this.ring.length === 0) this.ring = Buffer.allocUnsafe(this.limit + 1);
    const size = this.ring.length;
    this.total += bytes;
    if (bytes <= size - this.pos) {
      this.ring.write(text, this.pos, 'utf8');
    } else {
      const encoded = Buffer.from(text);
      const last = encoded.subarray(Math.max(0, bytes - size));
      const first = Math.min(last.length, size - this.pos);
      last.copy(this.ring, this.pos, 0, first);
      last.copy(this.ring, 0, first);
    }
    this.pos = (this.pos + bytes) % size;
    this.filled = Math.min(size, this.filled + bytes);
  }

  /** The kept text, from its first whole line when one starts soon enough, and how much was left out. */
  take(): { omitted: number; text: string } {
    if (this.ring.length === 0) return { omitted: 0, text: '' };
    const size = this.ring.length;
    let kept = this.filled < size ? this.ring.subarray(0, this.filled) : Buffer.concat([this.ring.subarray(this.pos), this.ring.subarray(0, this.pos)]);
    let startsLine = this.startsLine;
    if (this.filled === size) {
      startsLine = kept[0] === 0x0a;
      kept = kept.subarray(1);
    }
    let skip = 0;
    while (skip < kept.length && (kept[skip]! & 0xc0) === 0x80) skip += 1;
    if (skip > 0) startsLine = false;
    if (this.total > kept.length && !startsLine) {
      const newline = kept.indexOf(0x0a, skip);
      if (newline >= 0 && newline - skip < 64 * 1024 && newline < kept.length - 1) skip = newline + 1;
    }
    kept = kept.subarray(skip);
    return { omitted: this.total - kept.length, text: kept.toString() };
  }
}
