import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.js';
import { readBuildLog } from '../db/build-logs.js';
import { freshDatabase } from '../test/support/pg.js';
import { createBuildLogSink, logFilePath } from './build-logs.js';
import type { LogTarget } from './log-sink.js';

// The log sink on a real Postgres (and PGlite for the embedded mode): chunks, the file at the
// seed's path, masking, the cap with its kept tail, retries, and LISTEN/NOTIFY on both drivers.

const MiB = 1024 * 1024;
let pg: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let dataDir: string;
let n = 0;

const target = (over: Partial<LogTarget> = {}): LogTarget => ({
  buildId: `b-${++n}`,
  jobPath: 'team/service/api',
  number: n,
  commandKey: 'unit-tests/lint',
  secrets: [],
  ...over,
});
/** Polls until `check` holds (test/support/stack.ts has one too, but importing it loads the whole worker). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs: number) {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const stored = async (buildId: string, commandKey?: string) =>
  (await readBuildLog(database.db, buildId, { commandKey })).map((c) => c.text).join('');

beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  database = await openDatabase({ url: pg.url });
  dataDir = mkdtempSync(join(tmpdir(), 'slipway-logs-'));
});

afterAll(async () => {
  await database?.close();
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('build log sink', () => {
  it('stores contiguous chunks, mirrors them to jobs/<path>/<number>/<stage>/<step>.log and announces each', async () => {
    const heard: string[] = [];
    const stop = await database.pubsub.listen('build_logs', (p) => heard.push(p));
    const sink = createBuildLogSink({
      db: database.db,
      pubsub: database.pubsub,
      dataDir,
      chunkBytes: 1024,
      flushMs: 30,
    });
    const t = target();
    const writer = await sink.open(t);
    await writer.write('first line\n');
    await eventually(
      async () => (await stored(t.buildId)) === 'first line\n',
      'the timer to flush a short write',
      5000,
    );
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${'ü'.repeat(20)}\n`);
    for (const line of lines) await writer.write(line);
    expect(await writer.end()).toEqual({
      bytes: Buffer.byteLength(['first line\n', ...lines].join('')),
      truncated: false,
    });

    const chunks = await readBuildLog(database.db, t.buildId);
    const text = chunks.map((c) => c.text).join('');
    expect(text).toBe(['first line\n', ...lines].join(''));
    let offset = 0;
    for (const c of chunks) {
      expect(c.offset).toBe(offset);
      expect(Buffer.byteLength(c.text)).toBeLessThanOrEqual(1024);
      offset += Buffer.byteLength(c.text);
    }
    const file = join(dataDir, 'jobs', 'team', 'service', 'api', String(t.number), 'unit-tests', 'lint.log');
    expect(logFilePath(dataDir, t)).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe(text);
    await eventually(async () => heard.length >= chunks.length, 'a notification per chunk', 5000);
    expect(heard.map((p) => JSON.parse(p))).toEqual(chunks.map((c) => ({ buildId: t.buildId, id: c.id })));
    await stop();
  });

  it('masks secrets, also one split across writes (the masker alone: output-text.test.ts)', async () => {
    const sink = createBuildLogSink({ db: database.db, pubsub: database.pubsub, dataDir });
    const t = target({ secrets: ['s3cr3t-välue', 'tok', ''] });
    const writer = await sink.open(t);
    for (const piece of ['token=s3cr', '3t-v', 'älue; again s3cr3t-välue\n', 'tok', 'tok end s3cr3t-v'])
      await writer.write(piece);
    await writer.end();
    const text = await stored(t.buildId);
    expect(text).toBe('***en=***; again ***\n****** end s3cr3t-v');
    expect(readFileSync(logFilePath(dataDir, t), 'utf8')).toBe(text);
  });

  it(
    'caps a huge output: keeps the head live and the tail at the end, with bounded memory',
    { timeout: 180_000 },
    async () => {
      const cap = 4 * MiB;
      const sink = createBuildLogSink({ db: database.db, pubsub: database.pubsub, dataDir, capBytes: cap });
      const t = target({ secrets: ['hunter2'] });
      const writer = await sink.open(t);
      const lineBytes = 64;
      const linesPerPiece = (64 * 1024) / lineBytes;
      const pieces = (200 * MiB) / (64 * 1024);
      const line = (i: number) => `${String(i).padStart(10, '0')} hunter2 ${'x'.repeat(lineBytes - 20)}\n`;
      const before = process.memoryUsage().rss;
      let peak = before;
      for (let p = 0; p < pieces; p++) {
        const lines: string[] = [];
        for (let i = 0; i < linesPerPiece; i++) lines.push(line(p * linesPerPiece + i));
        await writer.write(lines.join(''));
        if (p % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      const result = await writer.end();
      peak = Math.max(peak, process.memoryUsage().rss);
      const growthMb = (peak - before) / 1e6;
      console.log(
        `200 MiB through a 4 MiB cap: rss before ${(before / 1e6).toFixed(0)} MB, peak ${(peak / 1e6).toFixed(0)} MB, growth ${growthMb.toFixed(1)} MB`,
      );
      expect(growthMb).toBeLessThan(150);

      const masked = (i: number) => line(i).replace('hunter2', '***');
      expect(result).toEqual({ bytes: pieces * linesPerPiece * Buffer.byteLength(masked(0)), truncated: true });
      const text = await stored(t.buildId);
      const size = Buffer.byteLength(text);
      expect(size).toBeGreaterThan(cap - 1024);
      expect(size).toBeLessThan(cap + 1024);
      expect(text.startsWith(masked(0))).toBe(true);
      expect(text).toMatch(
        /\n\[slipway\] … \d+ bytes of output omitted \(log capped at 4 MiB per step\); the last 2 MiB follow …\n\d{10} \*\*\* x+\n/,
      );
      expect(text.endsWith(masked(pieces * linesPerPiece - 1))).toBe(true);
      expect(text).not.toContain('hunter2');
      expect(statSync(logFilePath(dataDir, t)).size).toBe(size);
    },
  );

  it('stores nothing twice when a command is written again (a retried activity)', async () => {
    const t = target();
    const lines = Array.from({ length: 300 }, (_, i) => `retry line ${i}\n`);
    const attempt = async (chunkBytes: number, count = lines.length) => {
      const writer = await createBuildLogSink({
        db: database.db,
        pubsub: database.pubsub,
        dataDir,
        chunkBytes,
        flushMs: 60_000,
      }).open(t);
      for (const l of lines.slice(0, count)) await writer.write(l);
      return writer;
    };
    // The first attempt dies after some whole chunks are stored; its pending rest is lost.
    await attempt(512, 120);
    expect((await readBuildLog(database.db, t.buildId)).length).toBeGreaterThan(0);
    await (await attempt(512)).end();
    await (await attempt(512)).end();
    await (await attempt(700)).end();
    const chunks = await readBuildLog(database.db, t.buildId);
    expect(chunks.map((c) => c.text).join('')).toBe(lines.join(''));
    expect(new Set(chunks.map((c) => c.offset)).size).toBe(chunks.length);
    expect(readFileSync(logFilePath(dataDir, t), 'utf8')).toBe(lines.join(''));
  });

  it('cuts head and tail only between characters', async () => {
    const t = target();
    const writer = await createBuildLogSink({
      db: database.db,
      pubsub: database.pubsub,
      dataDir,
      capBytes: 301,
      chunkBytes: 7,
    }).open(t);
    const lines = Array.from({ length: 200 }, (_, i) => `é${i}€😀\n`);
    for (const line of lines) await writer.write(line);
    expect((await writer.end()).truncated).toBe(true);
    const chunks = await readBuildLog(database.db, t.buildId);
    const text = chunks.map((c) => c.text).join('');
    expect(text).not.toContain('\ufffd');
    expect(text.startsWith(lines.slice(0, 5).join(''))).toBe(true);
    expect(text.endsWith(lines.slice(-5).join(''))).toBe(true);
    const [head, tail] = text.split(/\n\[slipway\] … \d+ bytes of output omitted[^\n]*\n/);
    expect(Buffer.byteLength(head!)).toBeLessThanOrEqual(150);
    expect(Buffer.byteLength(tail!)).toBeLessThanOrEqual(151);
    expect(lines.join('').endsWith(tail!)).toBe(true);
    expect(lines).toContain(tail!.split('\n')[0] + '\n');
  });

  it('keeps a short overflow whole: nothing omitted, no notice', async () => {
    const t = target();
    const writer = await createBuildLogSink({ db: database.db, pubsub: database.pubsub, dataDir, capBytes: 1000 }).open(
      t,
    );
    const text = 'y'.repeat(800) + '\n';
    await writer.write(text);
    expect(await writer.end()).toEqual({ bytes: 801, truncated: false });
    expect(await stored(t.buildId)).toBe(text);
  });
});

describe('pubsub', () => {
  const exercise = async (db: Database) => {
    const heard: string[] = [];
    const stop = await db.pubsub.listen('slipway_test', (p) => heard.push(p));
    await db.pubsub.notify('slipway_test', '{"buildId":"x","id":1}');
    await eventually(async () => heard.length === 1, 'the notification', 5000);
    expect(heard).toEqual(['{"buildId":"x","id":1}']);
    await stop();
    await db.pubsub.notify('slipway_test', 'after unlisten');
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toHaveLength(1);
    await expect(db.pubsub.notify('slipway_test', 'x'.repeat(8000))).rejects.toThrow(/8000/);
  };

  it('delivers notifications on Postgres', async () => {
    await exercise(database);
  });

  it('delivers notifications on PGlite, and the sink works there too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-pglite-'));
    const lite = await openDatabase({ dataDir: dir });
    try {
      await exercise(lite);
      const heard: string[] = [];
      const stop = await lite.pubsub.listen('build_logs', (p) => heard.push(p));
      const t = target();
      const writer = await createBuildLogSink({ db: lite.db, pubsub: lite.pubsub, dataDir: dir }).open(t);
      await writer.write('embedded\n');
      await writer.end();
      const chunks = await readBuildLog(lite.db, t.buildId);
      expect(chunks.map((c) => c.text)).toEqual(['embedded\n']);
      await eventually(async () => heard.length === 1, 'the chunk notification', 5000);
      await stop();
    } finally {
      await lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
