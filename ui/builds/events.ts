import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { followBuildLog, sharedBuildLogHub, type FollowEvent } from '../../api/builds/log-follow.js';
import { findBuild } from '../../db/builds.js';
import type { Db, PubSub } from '../../db/client.js';
import { logger } from '../../infra/logger.js';
import { elapsed } from '../jobs/format.js';
import { logAnchor } from '../jobs/links.js';
import { createAnsiParser, type AnsiParser } from './ansi.js';
import { failedCommand } from './build-page.js';

// The build page's live stream (Server-Sent Events), on the API's replay-then-follow loop and the
// process's one build-log LISTEN: `log` (a chunk as text segments, id = chunk id, so EventSource
// resumes after Last-Event-ID), `steps` (every command's status, when the log moves to another
// command and at the end), `end` (the final status). Segments are text: log.js never parses HTML.

export interface BuildEventOptions {
  db: Db;
  pubsub: PubSub;
  heartbeatMs: number;
}

async function stepsEvent(db: Db, buildId: string) {
  const build = await findBuild(db, buildId);
  if (!build) return null;
  const failed = failedCommand(build.commands);
  return {
    status: build.status,
    duration: elapsed(build.startedAt, build.finishedAt),
    failed: failed ? logAnchor(failed.key) : null,
    commands: build.commands.map((c) => ({
      key: c.key,
      status: c.status,
      duration: elapsed(c.startedAt, c.finishedAt),
    })),
  };
}

export function streamBuildEvents(c: Context, buildId: string, after: number, o: BuildEventOptions) {
  c.header('x-accel-buffering', 'no');
  return streamSSE(
    c,
    async (stream) => {
      const aborted = new AbortController();
      stream.onAbort(() => aborted.abort());
      const parsers = new Map<string, AnsiParser>();
      let current: string | null = null;
      const sendSteps = async () => {
        const steps = await stepsEvent(o.db, buildId);
        if (steps) await stream.writeSSE({ event: 'steps', data: JSON.stringify(steps) });
      };
      const send = async (event: FollowEvent) => {
        if (event.type === 'log') {
          if (event.command !== current) {
            current = event.command;
            await sendSteps();
          }
          let parser = parsers.get(event.command);
          if (!parser) parsers.set(event.command, (parser = createAnsiParser()));
          const data = { command: event.command, anchor: logAnchor(event.command), segments: parser.feed(event.text) };
          await stream.writeSSE({ id: String(event.id), event: 'log', data: JSON.stringify(data) });
        } else if (event.type === 'end') {
          await sendSteps();
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: event.status }) });
        } else await stream.write(': heartbeat\n\n');
      };
      const hub = sharedBuildLogHub(o.pubsub);
      await followBuildLog({ db: o.db, hub, buildId, after, heartbeatMs: o.heartbeatMs, signal: aborted.signal, send });
    },
    async (err) => {
      logger.warn({ err, buildId }, 'dashboard build event stream failed');
    },
  );
}
