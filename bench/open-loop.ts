// Load generators for the benchmarks: an open-loop sender (calls on a fixed schedule, whatever the
// answers' latency, so a slow answer never hides the queueing it causes) and a closed loop.
import { sleep } from './support.js';

export interface Sample {
  status: number;
  text: string;
  /** Scheduled send time → end of the answer (for HTTP: of its body). */
  fromDue: number;
  /** Actual send → end of the answer. */
  fromSend: number;
  /** Actual send − scheduled send. */
  lag: number;
}

/** Times one call made at (or after) `due`; a throw is a sample with status 0. */
export async function timed(due: number, call: () => Promise<{ status: number; text: string }>): Promise<Sample> {
  const sentAt = performance.now();
  try {
    const { status, text } = await call();
    const end = performance.now();
    return { status, text, fromDue: end - due, fromSend: end - sentAt, lag: sentAt - due };
  } catch (err) {
    const end = performance.now();
    return { status: 0, text: String(err), fromDue: end - due, fromSend: end - sentAt, lag: sentAt - due };
  }
}

/** Makes call i at start + i/rate, not waiting for earlier answers (open loop); all samples once all answered. */
export async function openLoop(
  count: number,
  rate: number,
  fire: (i: number, due: number) => Promise<Sample>,
): Promise<Sample[]> {
  const interval = 1000 / rate;
  const start = performance.now() + 20;
  const pending: Array<Promise<Sample>> = [];
  for (let i = 0; i < count;) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) {
      await sleep(wait);
      continue;
    }
    pending.push(fire(i, due));
    i++;
  }
  return Promise.all(pending);
}

/** Makes the calls one after the other, each when the previous one has answered (closed loop: no queueing). */
export async function oneAtATime(count: number, fire: (i: number, due: number) => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) samples.push(await fire(i, performance.now()));
  return samples;
}
