// Outgoing events (npm run bench:events): delivery throughput to a local subscriber, and the
// latency from a deployment's completion (the recordDeployment commit) to its event at the
// subscriber. A throw-away database (on DATABASE_URL's server, else PGlite), the dispatcher in
// this process, the subscriber a loopback receiver that checks every signature.
//
// (a) throughput: BENCH_EVENTS_DEPLOYMENTS deployments (default 400) × 5 snapshots = 5 events each
//     are written with no dispatcher running; then one starts and drains the backlog. Target ≥ 200/s.
// (b) latency: BENCH_EVENTS_SAMPLES deployments (default 200) finish one after another, 20 per
//     second; each completion's deployment.completed (live) is timed to its arrival. Target p99 ≤ 1 s.
import { recordDeployment } from '../db/deployments.js';
import { EventsConfig } from '../domain/event-config.js';
import { startEventReceiver } from '../test/fakes/event-receiver.js';
import { happyPath } from '../test/support/deployment-snapshots.js';
import { createEventDispatcher } from '../worker/event-dispatcher.js';
import { Cleanups, openBenchDatabase, percentile, pool, runBench } from './support.js';

const SECRET = 'bench-signing-key';
const deploymentsN = Number(process.env.BENCH_EVENTS_DEPLOYMENTS ?? 400);
const samplesN = Number(process.env.BENCH_EVENTS_SAMPLES ?? 200);
const cleanups = new Cleanups();

await runBench(
  async () => {
    const { database, kind } = await openBenchDatabase(process.env.DATABASE_URL, cleanups);
    const hook = await startEventReceiver(SECRET);
    cleanups.add('subscriber', () => hook.close());
    const config = EventsConfig.parse({
      subscribers: [{ name: 'bench', url: hook.url, secretEnv: 'BENCH_KEY' }],
      retry: { initial: '1s', max: '10s', giveUpAfter: '1h' },
    });
    const dispatcher = () => createEventDispatcher({ database, config, env: { BENCH_KEY: SECRET } });

    // The routes must be in place before events are written: start and stop a dispatcher once.
    const first = dispatcher();
    await first.start();
    await first.stop();

    let n = 0;
    const backlog = Array.from({ length: deploymentsN }, (_, i) =>
      happyPath(`tp-${i}`, `svc-${i % 20}`, `1.${i}.0`, ++n),
    );
    await pool(backlog, 8, async (snaps) => {
      for (const s of snaps) await recordDeployment(database.db, s);
    });
    const total = deploymentsN * 5;
    const d1 = dispatcher();
    const started = performance.now();
    await d1.start();
    cleanups.add('dispatcher (a)', () => d1.stop());
    await hook.waitFor(total, 300_000);
    const seconds = (performance.now() - started) / 1000;
    await d1.stop();
    const invalid = hook.requests.filter((r) => !r.signatureValid).length;

    const d2 = dispatcher();
    await d2.start();
    cleanups.add('dispatcher (b)', () => d2.stop());
    const latencies: number[] = [];
    const arrived = (id: string) =>
      hook
        .accepted()
        .find((r) => r.type === 'deployment.completed' && r.body.deploymentId === id && r.body.environment === 'live');
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < samplesN; i++) {
      const snaps = happyPath(`lat-${i}`, `svc-${i % 20}`, `2.${i}.0`, ++n);
      for (const s of snaps.slice(0, 4)) await recordDeployment(database.db, s);
      await recordDeployment(database.db, snaps[4]!);
      const committed = Date.now();
      pending.push(
        (async () => {
          const deadline = committed + 30_000;
          let got = arrived(snaps[0]!.id);
          while (!got && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 2));
            got = arrived(snaps[0]!.id);
          }
          latencies.push(got ? got.at - committed : Infinity);
        })(),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(pending);

    const p = (q: number) => percentile(latencies, q).toFixed(0);
    const lines = [
      `events bench (database: ${kind})`,
      `(a) throughput: ${total} events to one subscriber in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} events/s (target ≥ 200); ${hook.requests.length - hook.accepted().length} refused, ${invalid} bad signatures`,
      `(b) completion → event at the subscriber, ${samplesN} deployments: p50 ${p(50)} ms, p95 ${p(95)} ms, p99 ${p(99)} ms, max ${p(100)} ms (target p99 ≤ 1000 ms)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
  cleanups,
  15 * 60_000,
);
