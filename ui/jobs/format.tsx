// Times, durations and statuses as the jobs, builds and features pages show them.

/** "1h 02m", "3m 05s", "12s", "850 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Finished: how long it took; running: how long so far; not started: nothing. */
export function elapsed(startedAt: Date | string | null | undefined, finishedAt: Date | string | null | undefined) {
  if (!startedAt) return '';
  const end = finishedAt ? new Date(finishedAt).getTime() : Date.now();
  const text = formatDuration(end - new Date(startedAt).getTime());
  return finishedAt ? text : `${text} so far`;
}

export function Time(props: { at: Date | string | null | undefined }) {
  if (!props.at) return <span class="muted">—</span>;
  const at = new Date(props.at);
  return <time datetime={at.toISOString()}>{at.toISOString().replace('T', ' ').slice(0, 19)} UTC</time>;
}

/** A status word with a class per value (colour in app.css; the word itself carries the meaning). */
export function Status(props: { status: string }) {
  return <span class={`status status-${props.status.replace(/[^a-z-]/g, '')}`}>{props.status}</span>;
}

export const shortCommit = (commit: string | null | undefined) => (commit ? commit.slice(0, 12) : '');
