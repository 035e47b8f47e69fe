// Test input for the readers of Docker's multiplexed stream (activities/docker-frames.ts): one frame,
// an 8-byte header (stream type, 3 zero bytes, big-endian payload size) then the payload.

export function dockerFrame(stream: 0 | 1 | 2, payload: string | Buffer): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}
