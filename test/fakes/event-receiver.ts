// A subscriber of Slipway's outgoing events on loopback: it checks each delivery's signature with
// its key, records what arrived (in arrival order), and answers what the test says — 200, or a
// failing status while it is "down".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readBody, serveLoopback } from './loopback.js';

export interface ReceivedEvent {
  delivery: string;
  type: string;
  signatureValid: boolean;
  /** The parsed JSON body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  raw: string;
  at: number;
  /** What this request was answered. */
  answered: number;
}

export interface EventReceiver {
  url: string;
  /** Every request, failed ones included. */
  requests: ReceivedEvent[];
  /** Requests answered 2xx. */
  accepted(): ReceivedEvent[];
  /** Answer `status` (e.g. 503) to everything until `up()`. */
  down(status?: number): void;
  up(): void;
  /** Resolves once `n` requests were accepted. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
}

export async function startEventReceiver(secret: string, path = '/hook'): Promise<EventReceiver> {
  const requests: ReceivedEvent[] = [];
  let failWith: number | null = null;
  const waiters: Array<() => void> = [];
  const server = await serveLoopback(async (req, res) => {
    const raw = (await readBody(req)).toString('utf8');
    if (req.method !== 'POST' || req.url !== path || req.headers['content-type'] !== 'application/json') {
      res.writeHead(400).end('expected a JSON POST');
      return;
    }
    const given = String(req.headers['x-slipway-signature'] ?? '');
    const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    const signatureValid =
      given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    const answered = !signatureValid ? 401 : (failWith ?? 200);
    requests.push({
      delivery: String(req.headers['x-slipway-delivery'] ?? ''),
      type: String(req.headers['x-slipway-event'] ?? ''),
      signatureValid,
      body: JSON.parse(raw),
      raw,
      at: Date.now(),
      answered,
    });
    res.writeHead(answered, { 'content-type': 'application/json' }).end('{}');
    for (const w of waiters.splice(0)) w();
  });
  const accepted = () => requests.filter((r) => r.answered < 300);
  return {
    url: `${server.root}${path}`,
    requests,
    accepted,
    down: (status = 503) => {
      failWith = status;
    },
    up: () => {
      failWith = null;
    },
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted().length < n) {
        if (Date.now() > deadline) throw new Error(`waited for ${n} accepted events, got ${accepted().length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return accepted();
    },
    close: () => server.close(),
  };
}
