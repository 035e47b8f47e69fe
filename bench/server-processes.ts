// The benchmarks' servers as their own processes, so that the load generator does not share their
// event loop: the API (api/main.ts, as `npm run api` runs it) and small bench servers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { processCpuMs, processKernelCpuMs } from './proc-stats.js';
import { freePort, sleep, stopChild, type Cleanups } from './support.js';

/** A server process of the bench (the API, the bare baseline): its URL, its CPU time so far, and how to stop it. */
export interface ServerChild {
  url: string;
  pid: number;
  cpuMs(): number;
  kernelCpuMs(): number;
  stop(): Promise<void>;
}

/**
 * api/main.ts as its own process, started as `npm run api` starts it (tsx), on a free loopback
 * port, so that the bench's HTTP client does not share the API's event loop. `env` adds variables
 * (the secrets its configuration names). Resolves when /healthz answers.
 */
export async function spawnApi(
  opts: {
    temporalAddress: string;
    databaseUrl: string;
    configFile: string;
    taskQueue: string;
    dataDir: string;
    env: Record<string, string>;
  },
  cleanups: Cleanups,
): Promise<ServerChild> {
  const port = await freePort();
  // Not inherited: an OTLP endpoint would make the API export spans, and the rest would make it differ from the bench's own settings.
  const {
    OTEL_EXPORTER_OTLP_ENDPOINT: _o,
    TEMPORAL_NAMESPACE: _n,
    SLIPWAY_PUBLIC_URL: _p,
    SLIPWAY_HEARTBEAT_SECONDS: _h,
    ...parentEnv
  } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: process.cwd(),
    env: {
      ...parentEnv,
      ...opts.env,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      DATABASE_URL: opts.databaseUrl,
      SLIPWAY_CONFIG: opts.configFile,
      SLIPWAY_TASK_QUEUE: opts.taskQueue,
      SLIPWAY_DATA_DIR: opts.dataDir,
      SLIPWAY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = () => stopChild(child);
  cleanups.add(`API ${child.pid}`, stop);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the API process ended before answering (${child.exitCode ?? child.signalCode})`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error('the API process did not answer /healthz within 60 s');
  }
  return {
    url,
    pid: child.pid!,
    cpuMs: () => processCpuMs(child.pid!),
    kernelCpuMs: () => processKernelCpuMs(child.pid!),
    stop,
  };
}

/** A bench script that serves HTTP and prints `{"url": ...}` as its first stdout line, as its own process. */
export async function spawnServerScript(script: string, cleanups: Cleanups): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => stopChild(child);
  cleanups.add(`${script} ${child.pid}`, stop);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      const line = out.slice(0, out.indexOf('\n'));
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`${script} printed ${line.slice(0, 200)}, not {"url": ...}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} ended before printing its URL (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    cpuMs: () => processCpuMs(child.pid!),
    kernelCpuMs: () => processKernelCpuMs(child.pid!),
    stop,
  };
}
