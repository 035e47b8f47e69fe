// Body caps over real HTTP (a @hono/node-server on loopback): app.request() hands the app a whole
// body, so only a socket shows what the server reads. The client writes raw HTTP/1.1 and the
// server's sockets report how many bytes they read.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigYaml, startApiHarness, type ApiHarness } from '../../test/support/api-harness.js';
import { githubPush, vendorHeaders } from '../../test/support/webhooks.js';

const MiB = 1024 * 1024;
const secret = 'whsec-body-limit';
let api: ApiHarness;
let server: ServerType;
let port: number;
const serverSockets: Socket[] = [];

beforeAll(async () => {
  api = await startApiHarness({
    secrets: { HOOK_SECRET: secret },
    configYaml: `${defaultConfigYaml}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET }
`,
  });
  port = await new Promise<number>((resolve) => {
    server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  server.on('connection', (s: Socket) => serverSockets.push(s));
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  await api?.close();
});

interface RawAnswer {
  status: number;
  text: string;
  /** Body bytes the client got written before the server answered or closed. */
  written: number;
  /** Bytes the server's socket read from the connection, once it closed (null: still open). */
  serverRead: number | null;
}

/**
 * Sends `head` and then the body (`body`, or that many bytes of filler), chunked when `chunked`,
 * in 64 KiB pieces, stopping as soon as an answer arrives or the connection closes. Resolves with
 * the answer, or with status 0 when none came within `timeoutMs`.
 */
function send(head: string, body: Buffer | number, opts: { chunked: boolean; timeoutMs?: number }): Promise<RawAnswer> {
  const source = typeof body === 'number' ? null : body;
  const total = typeof body === 'number' ? body : body.length;
  return new Promise((resolve) => {
    const before = serverSockets.length;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let written = 0;
    let stopped = false;
    const finish = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const text = received.slice(received.indexOf('\r\n\r\n') + 4);
      const serverSocket = serverSockets[before];
      const settle = () =>
        resolve({ status, text, written, serverRead: serverSocket?.destroyed ? serverSocket.bytesRead : null });
      // The server closes its side right after a 413; give it a moment to do so.
      setTimeout(settle, 200);
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 5000);
    socket.on('data', (d) => {
      received += d.toString('latin1');
      if (/\r\n\r\n/.test(received)) setTimeout(finish, 50);
    });
    socket.on('close', finish);
    socket.on('error', finish);
    const filler = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (!stopped && written < total) {
        const n = Math.min(filler.length, total - written);
        const piece = source ? source.subarray(written, written + n) : filler.subarray(0, n);
        const data = opts.chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
        written += n;
        if (!socket.write(data)) return void socket.once('drain', pump);
      }
      if (!stopped && opts.chunked && written >= total) socket.write('0\r\n\r\n');
    };
    socket.write(head, () => pump());
  });
}

const headOf = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('request body caps', () => {
  it('answers 413 from Content-Length alone, before any of the body is sent', async () => {
    const head = headOf('/jobs/create', { 'content-type': 'application/json', 'content-length': String(10 * MiB) });
    const answer = await send(head, 0, { chunked: false, timeoutMs: 2000 });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toEqual({
      error: { code: 'too_large', message: 'body: larger than 1 MiB', field: 'body' },
    });
    const v1 = await send(
      headOf('/v1/deployments', { 'content-type': 'application/json', 'content-length': String(MiB + 1) }),
      0,
      { chunked: false, timeoutMs: 2000 },
    );
    expect(v1.status).toBe(413);
  });

  it('stops reading a chunked body at the cap: 413, and the server read little more than 1 MiB', async () => {
    const head = headOf('/jobs/create', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const answer = await send(head, 16 * MiB, { chunked: true });
    expect(answer.status).toBe(413);
    expect(answer.serverRead).not.toBeNull();
    expect(answer.serverRead!).toBeLessThan(MiB + 512 * 1024);
  });

  it('lets /hooks take up to 25 MiB, chunked or sized, and no more', async () => {
    const body = JSON.stringify({
      ...githubPush('acme/unlinked', 'main', randomBytes(20).toString('hex')),
      padding: 'x'.repeat(20 * MiB),
    });
    const headers = vendorHeaders('github', 'push', body, secret);
    const bytes = Buffer.from(body);
    const framings: Array<Record<string, string>> = [
      { 'transfer-encoding': 'chunked' },
      { 'content-length': String(bytes.length) },
    ];
    for (const framing of framings) {
      const answer = await send(headOf('/hooks/github', { ...headers, ...framing }), bytes, {
        chunked: 'transfer-encoding' in framing,
        timeoutMs: 20_000,
      });
      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.text)).toMatchObject({ status: 'ignored' });
    }
    const over = await send(headOf('/hooks/github', { ...headers, 'content-length': String(25 * MiB + 1) }), 0, {
      chunked: false,
      timeoutMs: 2000,
    });
    expect(over.status).toBe(413);
  });
});
