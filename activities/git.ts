// Git over the CLI (the host's `git`), for a build's checkout. Every command runs with a timeout, never
// prompts, and its output and errors pass through maskCredentials before being logged or thrown.
//
// Idempotency: after a checkout, .git/slipway-checkout.json records url, ref and the resolved commit.
// A later attempt with the same url and ref whose HEAD is still that commit reuses the clone (so a
// moving branch resolves once per build); anything else in the directory is wiped and cloned anew.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, readFile, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { maskCredentials } from '../domain/credentials.js';
import { ErrorType } from '../domain/errors.js';

export const CLONE_TIMEOUT_MS = 10 * 60_000;
export const GIT_TIMEOUT_MS = 2 * 60_000;
/** Job files looked for at the repository root, in this order. */
export const JOB_FILES = ['.slipway.yml', '.slipway.yaml', '.slipway.json'];
const JOB_FILE_MAX_BYTES = 1024 * 1024;
const MARKER = join('.git', 'slipway-checkout.json');

export { maskCredentials };

export interface GitOptions {
  cwd: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs git; resolves with its stdout and (for logs) stderr + stdout, both masked; rejects with a masked Error. */
export function git(args: string[], opts: GitOptions): Promise<{ stdout: string; output: string }> {
  const env = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    LC_ALL: 'C',
  };
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env,
        timeout: opts.timeoutMs ?? GIT_TIMEOUT_MS,
        signal: opts.signal,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const output = maskCredentials(stderr + stdout);
        if (!err) return resolve({ stdout: maskCredentials(stdout), output });
        const e = err as Error & { code?: unknown; killed?: boolean };
        const why = e.killed ? `timed out after ${opts.timeoutMs ?? GIT_TIMEOUT_MS} ms` : `exit code ${String(e.code)}`;
        const failure = Object.assign(
          new Error(maskCredentials(`git ${args[0]} failed (${why}): ${output.trim() || e.message}`)),
          {
            exitCode: typeof e.code === 'number' ? e.code : undefined,
            output,
          },
        );
        reject(failure);
      },
    );
  });
}

export interface CheckoutOptions {
  dir: string;
  url: string;
  ref: string;
  /** Receives git's output (masked) as each command finishes. */
  log: (text: string) => Promise<void>;
  signal?: AbortSignal;
}

// Errors that another attempt cannot fix; everything else (network, a busy server) is retried.
const TERMINAL =
  /not found|does not exist|authentication failed|could not read (username|password)|permission denied|not a git repository/i;

/** Clones `url` into `dir` (or reuses the clone there) and checks `ref` out detached; returns the commit. */
export async function checkoutRepository(opts: CheckoutOptions): Promise<string> {
  const { dir, url, ref, log, signal } = opts;
  if (url.startsWith('-') || ref.startsWith('-')) {
    throw ApplicationFailure.nonRetryable(`repository url and ref must not start with "-"`, ErrorType.BadConfig);
  }
  const run = async (args: string[], timeoutMs?: number) => {
    await log(`$ git ${maskCredentials(args.join(' '))}\n`);
    const { output } = await git(args, { cwd: dir, timeoutMs, signal });
    if (output) await log(output.endsWith('\n') ? output : `${output}\n`);
  };

  const reused = await reusableCommit(dir, url, ref, signal);
  if (reused) {
    await log(`reusing the existing clone at ${reused}\n`);
    return reused;
  }
  // Empty the directory rather than replace it: a running build container bind-mounts this very inode.
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
  try {
    await run(['clone', '--no-checkout', '--', url, '.'], CLONE_TIMEOUT_MS);
  } catch (err) {
    if (signal?.aborted) throw err;
    const message = (err as Error).message;
    if (TERMINAL.test(message)) throw ApplicationFailure.nonRetryable(message, ErrorType.BadConfig);
    throw err;
  }
  const commit = await resolveRef(dir, ref, run, signal);
  await run(['-c', 'advice.detachedHead=false', 'checkout', '--force', '--detach', commit]);
  if (await exists(join(dir, '.gitmodules')))
    await run(['submodule', 'update', '--init', '--recursive'], CLONE_TIMEOUT_MS);
  await writeFile(join(dir, MARKER), JSON.stringify({ url, ref, commit }));
  return commit;
}

async function reusableCommit(dir: string, url: string, ref: string, signal?: AbortSignal): Promise<string | null> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as {
      url?: unknown;
      ref?: unknown;
      commit?: unknown;
    };
    if (marker.url !== url || marker.ref !== ref || typeof marker.commit !== 'string') return null;
    const head = (await git(['rev-parse', 'HEAD'], { cwd: dir, signal })).stdout.trim();
    return head === marker.commit ? head : null;
  } catch {
    return null;
  }
}

/** A branch or tag of origin, a commit, or (last) whatever `git fetch origin <ref>` brings (PR refs). */
async function resolveRef(
  dir: string,
  ref: string,
  run: (args: string[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<string> {
  const verify = async (rev: string) => {
    try {
      return (
        (await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: dir, signal })).stdout.trim() || null
      );
    } catch {
      return null;
    }
  };
  const candidates = ref === 'HEAD' ? ['HEAD'] : [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref];
  for (const rev of candidates) {
    const sha = await verify(rev);
    if (sha) return sha;
  }
  try {
    await run(['fetch', '--', 'origin', ref]);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw ApplicationFailure.nonRetryable(
      `ref ${ref} not found in the repository: ${(err as Error).message}`,
      ErrorType.BadConfig,
    );
  }
  const fetched = await verify('FETCH_HEAD');
  if (!fetched) throw ApplicationFailure.nonRetryable(`ref ${ref} does not name a commit`, ErrorType.BadConfig);
  return fetched;
}

/**
 * The text of the first job file at the root of `dir`, or null. The file comes from the
 * repository, so from whoever can push to it (a pull request's author): a symbolic link (to
 * /dev/zero, to a host file) or anything but a regular file is refused without opening what it
 * names, and no more than the cap plus one byte is read, whatever the file's size.
 */
export async function readJobFile(dir: string): Promise<string | null> {
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  for (const name of JOB_FILES) {
    if (!names.has(name)) continue;
    const refuse = (why: string) => ApplicationFailure.nonRetryable(`${name} ${why}`, ErrorType.BadConfig);
    const path = join(dir, name);
    const entry = await lstat(path);
    if (entry.isSymbolicLink()) throw refuse('is a symbolic link: a job file must be a regular file');
    if (!entry.isFile()) throw refuse('is not a regular file');
    // O_NOFOLLOW and O_NONBLOCK: should the entry be swapped after lstat, a link fails to open
    // and a FIFO does not wait for a writer; fstat then checks what was opened.
    let file: FileHandle;
    try {
      file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      throw refuse(`cannot be opened: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      if (!(await file.stat()).isFile()) throw refuse('is not a regular file');
      const buffer = Buffer.alloc(JOB_FILE_MAX_BYTES + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > JOB_FILE_MAX_BYTES) throw refuse(`is larger than ${JOB_FILE_MAX_BYTES} bytes`);
      }
      return buffer.subarray(0, length).toString('utf8');
    } finally {
      await file.close();
    }
  }
  return null;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
