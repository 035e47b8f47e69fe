import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../domain/errors.js';
import { callInWorker } from '../test/support/in-worker.js';
import { maskCredentials, readJobFile } from './git.js';

describe('maskCredentials', () => {
  it.each([
    { text: 'https://user:token@github.com/o/r.git', masked: 'https://***@github.com/o/r.git' },
    {
      text: "fatal: repository 'https://x-access-token:ghs_abc@host/r/' not found",
      masked: "fatal: repository 'https://***@host/r/' not found",
    },
    { text: 'ssh://git@host:22/r.git', masked: 'ssh://***@host:22/r.git' },
    { text: 'https://host/r.git and http://a:b@c/d', masked: 'https://host/r.git and http://***@c/d' },
    { text: 'git@github.com:o/r.git', masked: 'git@github.com:o/r.git' },
    { text: '/srv/repos/r.git', masked: '/srv/repos/r.git' },
    { text: 'HTTPS://U:T@h x1+git.ssh://k@h', masked: 'HTTPS://***@h x1+git.ssh://***@h' },
    { text: '1://u@h ://u@h a://@h a://u', masked: '1://***@h ://u@h a://@h a://u' },
    { text: 'a://u\u00a0x@h a://u:p@h@i', masked: 'a://u\u00a0x@h a://***@i' },
  ])('$text', ({ text, masked }) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  // The old masker's regex took quadratic time on a run of letters (100k letters: 9 s), and git's output, up to
  // 16 MiB, is partly written by the remote. In a worker: a masker that backtracks fails at
  // vitest's default timeout instead of blocking the run.
  const MiB = 1 << 20;
  it.each([
    { input: 'letters', text: 'a'.repeat(MiB) },
    { input: 'digits before "://"', text: `${'1'.repeat(MiB)}://u@h` },
    { input: 'schemes without a user', text: 'a://'.repeat(MiB / 4) },
    { input: 'a user part that never ends in "@"', text: `a://${'u:'.repeat(MiB / 2)}` },
  ])('masks 1 MiB of $input within vitest’s default timeout', { timeout: 5_000 }, async ({ text }) => {
    const tail = ' https://user:token@host/r.git';
    const masked = await callInWorker<string>(new URL('./git.ts', import.meta.url), 'maskCredentials', [text + tail]);
    expect(masked.endsWith(' https://***@host/r.git')).toBe(true);
    expect(masked).not.toContain('user:token');
  });
});

describe('readJobFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-jobfile-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** A checkout whose `.slipway.yml` is made by `make`. */
  const checkout = (make: (path: string) => void) => {
    const dir = join(root, `repo-${++n}`);
    mkdirSync(dir);
    make(join(dir, '.slipway.yml'));
    return dir;
  };
  const badConfig = (message: RegExp) => ({ type: ErrorType.BadConfig, nonRetryable: true, message });
  /** Bytes this process has read through system calls so far (Linux). */
  const bytesRead = () => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

  it('reads a regular job file', async () => {
    expect(await readJobFile(checkout((p) => writeFileSync(p, 'title: ci\n')))).toBe('title: ci\n');
    expect(await readJobFile(checkout(() => undefined))).toBeNull();
  });

  it('refuses a symbolic link without reading what it names', async () => {
    const hostFile = join(root, 'host-secret');
    writeFileSync(hostFile, 'title: from the host\n');
    const refused = readJobFile(checkout((p) => symlinkSync(hostFile, p)));
    await expect(refused).rejects.toMatchObject(badConfig(/^\.slipway\.yml is a symbolic link/));
    await expect(readJobFile(checkout((p) => symlinkSync('/dev/zero', p)))).rejects.toMatchObject(
      badConfig(/symbolic link/),
    );
  });

  it('refuses a directory and a FIFO (which it does not wait on)', async () => {
    await expect(readJobFile(checkout((p) => mkdirSync(p)))).rejects.toMatchObject(badConfig(/not a regular file/));
    const fifo = checkout((p) => execFileSync('mkfifo', [p]));
    await expect(readJobFile(fifo)).rejects.toMatchObject(badConfig(/not a regular file/));
  });

  it('stops reading one byte past 1 MiB', async () => {
    const huge = checkout((p) => {
      writeFileSync(p, '');
      truncateSync(p, 64 * 1024 * 1024); // sparse: no disk used
    });
    const before = bytesRead();
    await expect(readJobFile(huge)).rejects.toMatchObject(badConfig(/larger than 1048576 bytes/));
    expect(bytesRead() - before).toBeLessThan(2 * 1024 * 1024);
    const exactly = checkout((p) => writeFileSync(p, '#'.repeat(1024 * 1024)));
    expect((await readJobFile(exactly))!.length).toBe(1024 * 1024);
  });
});
