// A command's output as text, for whoever keeps it (the deployer's result in docker-options.ts, a
// build's log in command-log.ts): secrets (and, in the deployer's, credentials in URLs) masked, the
// tail kept within a byte limit, and cuts made only between UTF-8 characters.

import { maskCredentials } from '../domain/credentials.js';

export const SECRET_MASK = '***';

/**
 * Replaces each secret by `***`. The last `longest-1` characters are held back until the next push
 * (or flush), so a secret split across two writes is still caught.
 */
export function createMasker(secrets: readonly string[]): { push(text: string): string; flush(): string } {
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
      shrink += match.length - SECRET_MASK.length;
      return SECRET_MASK;
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

/**
 * Masks credentials in URLs (domain/credentials.ts) in a stream of text. A URL holds no whitespace,
 * so the text after the last whitespace is held back until more arrives; a run of more than
 * `holdLimit` characters without any is masked as it stands.
 */
export function createCredentialMasker(holdLimit = 64 * 1024): { push(text: string): string; flush(): string } {
  let held = '';
  return {
    push(text) {
      // Only the new text can hold whitespace: what is held has none.
      let end = text.length;
      while (end > 0 && !/\s/.test(text[end - 1]!)) end -= 1;
      const buffer = held + text;
      let cut = end === 0 ? 0 : held.length + end;
      if (buffer.length - cut > holdLimit) cut = buffer.length;
      held = buffer.slice(cut);
      return maskCredentials(buffer.slice(0, cut));
    },
    flush() {
      const rest = held;
      held = '';
      return maskCredentials(rest);
    },
  };
}

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

/**
 * The last `limit` bytes written, in one fixed ring of bytes: nothing written stays reachable as a
 * string, so even hundreds of megabytes leave no garbage behind in the old generation. One extra
 * byte remembers what preceded the kept text (whether it begins a line).
 */
export class RollingTail {
  /** Allocated at the first byte written: most commands never need it. */
  private ring: Buffer = Buffer.alloc(0);
  /** Where the next byte goes; once full, also the oldest byte. */
  private pos = 0;
  private filled = 0;
  private total = 0;
  /** Set when the output was cut before anything reached the tail: does the tail begin a line? */
  startsLine = true;

  constructor(private readonly limit: number) {}

  /** Appends `text`, which is `bytes` UTF-8 bytes long. */
  push(text: string, bytes: number = Buffer.byteLength(text)) {
    if (this.ring.length === 0) this.ring = Buffer.allocUnsafe(this.limit + 1);
    const size = this.ring.length;
    this.total += bytes;
    this.filled = Math.min(size, this.filled + bytes);
    if (bytes <= size - this.pos) {
      this.ring.write(text, this.pos, 'utf8');
      this.pos = (this.pos + bytes) % size;
    } else if (bytes < size) {
      const encoded = Buffer.from(text);
      const first = size - this.pos;
      encoded.copy(this.ring, this.pos, 0, first);
      encoded.copy(this.ring, 0, first);
      this.pos = bytes - first;
    } else {
      // Fills the ring on its own: its last bytes, oldest first at 0.
      Buffer.from(text).copy(this.ring, 0, bytes - size);
      this.pos = 0;
    }
  }

  /**
   * The kept text, never starting inside a character, and how much was left out. With `wholeLines`,
   * a cut text starts at its first whole line when one starts within 64 KiB.
   */
  take({ wholeLines }: { wholeLines: boolean }): { omitted: number; text: string } {
    if (this.ring.length === 0) return { omitted: 0, text: '' };
    const size = this.ring.length;
    let kept =
      this.filled < size
        ? this.ring.subarray(0, this.filled)
        : Buffer.concat([this.ring.subarray(this.pos), this.ring.subarray(0, this.pos)]);
    let startsLine = this.startsLine;
    if (this.filled === size) {
      startsLine = kept[0] === 0x0a;
      kept = kept.subarray(1);
    }
    let skip = 0;
    while (skip < kept.length && (kept[skip]! & 0xc0) === 0x80) skip += 1;
    if (skip > 0) startsLine = false;
    if (wholeLines && this.total > kept.length && !startsLine) {
      const newline = kept.indexOf(0x0a, skip);
      if (newline >= 0 && newline - skip < 64 * 1024 && newline < kept.length - 1) skip = newline + 1;
    }
    kept = kept.subarray(skip);
    return { omitted: this.total - kept.length, text: kept.toString() };
  }
}
