// Docker's multiplexed (non-TTY) stream: frames of an 8-byte header (stream type, 3 zero bytes,
// big-endian payload size) then the payload. Frames may arrive split across chunks.

export type StreamType = 1 | 2; // 1 stdout, 2 stderr

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds raw bytes; returns the stdout/stderr frames they complete, in order. */
  push(chunk: Buffer): Array<[StreamType, Buffer]> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Array<[StreamType, Buffer]> = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (type === 1 || type === 2) frames.push([type, payload]);
    }
    return frames;
  }
}
