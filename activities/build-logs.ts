import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Database, Db } from '../db/client.js';
import { readBuildLog, storedLogBytes } from '../db/build-logs.js';
import { CommandLog } from './command-log.js';
import type { LogSink, LogTarget } from './log-sink.js';

// Where build output goes: masked, cut into chunks in build_log_chunks (the source of truth, read by
// any API replica; db/build-logs.ts), mirrored to jobs/<jobPath>/<number>/<stage>/<step>.log, and
// announced on the `build_logs` channel with the chunk's id only. One writer per command
// (command-log.ts), and a build's commands run one after another, so a build's chunk ids commit in
// order (followers rely on that).

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

export function createBuildLogSink(deps: BuildLogSinkDeps): LogSink {
  const opts = {
    ...deps,
    capBytes: deps.capBytes ?? 16 * MiB,
    chunkBytes: deps.chunkBytes ?? 16 * 1024,
    flushMs: deps.flushMs ?? 100,
  };
  return {
    async open(target) {
      const path = logFilePath(opts.dataDir, target);
      await mkdir(dirname(path), { recursive: true });
      const resumeAt = target.fresh ? 0 : await storedLogBytes(opts.db, target.buildId, target.commandKey);
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

export function logFilePath(dataDir: string, target: Pick<LogTarget, 'jobPath' | 'number' | 'commandKey'>): string {
  const root = join(dataDir, 'jobs');
  const path = join(root, target.jobPath, String(target.number), `${target.commandKey}.log`);
  const rel = relative(root, path);
  if (rel.startsWith('..') || rel.split(sep).includes('..'))
    throw new Error(`log path escapes ${root}: ${target.jobPath} ${target.commandKey}`);
  return path;
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
