// Docker's multiplexed (non-TTY) stream, as a container's logs and an exec's output arrive: frames of
// an 8-byte header (stream type, 3 zero bytes, big-endian payload size) then the payload. Frames may
// arrive split across chunks.
import { StringDecoder } from 'node:string_decoder';

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

/**
 * The text of a multiplexed stream: stdout and stderr merged in arrival order (Docker keeps the order
 * within each stream, not between the two), each decoded as UTF-8 on its own so that a character split
 * between two frames of one stream survives a frame of the other in between.
 */
export class FrameText {
  private readonly frames = new FrameReader();
  private readonly decoders = { 1: new StringDecoder('utf8'), 2: new StringDecoder('utf8') };

  /** Feeds raw bytes; returns the text they complete (possibly ''). `stdout` may take bytes off stdout payloads first. */
  push(chunk: Buffer, stdout: (payload: Buffer) => Buffer = (payload) => payload): string {
    let text = '';
    for (const [type, payload] of this.frames.push(chunk)) {
      text += type === 1 ? this.decoders[1].write(stdout(payload)) : this.decoders[2].write(payload);
    }
    return text;
  }

  /** The text still held back (call once the stream has ended), after `stdoutRest`, stdout bytes `stdout` kept back. */
  end(stdoutRest: Buffer = Buffer.alloc(0)): string {
    return this.decoders[1].write(stdoutRest) + this.decoders[1].end() + this.decoders[2].end();
  }
}
