// The contract between whatever produces a build command's output (the Docker runner) and where
// it is kept (activities/build-logs.ts): Postgres chunks, a file per command, a live notification.

export interface LogTarget {
  buildId: string;
  /** Job folder path, e.g. `team/service/job`: the log file goes to jobs/<path>/<number>/<stage>/<step>.log. */
  jobPath: string;
  number: number;
  /** `<stage>/<step>` as in domain/build-plan.ts (`job/onStart`, `unit-tests/lint`, …). */
  commandKey: string;
  /** Values to mask as *** wherever they appear, even split across writes. */
  secrets: string[];
  /** Nothing of this command can be stored yet (its first attempt): no need to look for a resume point. */
  fresh?: boolean;
}

export interface CommandLogWriter {
  /** Appends output; resolves when it is safe to write more (back-pressure). */
  write(chunk: string): Promise<void>;
  /** Flushes; says how much was produced and whether the stored log was truncated. */
  end(): Promise<{ bytes: number; truncated: boolean }>;
}

export interface LogSink {
  open(target: LogTarget): Promise<CommandLogWriter>;
}
