// `npm start` as a user runs it (tsx, not vitest's module loader): a schema that only
// vitest's loader accepts would pass every route test and still stop the real process at start-up.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { freshDatabase } from '../test/support/pg.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const db = await freshDatabase(inject('databaseUrl'));
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-start-'));
afterAll(async () => {
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  'starts under tsx, prints the dashboard URL first, and serves the dashboard and the OpenAPI document',
  { timeout: 60_000 },
  async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/start.ts'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        DATABASE_URL: db.url,
        SLIPWAY_CONFIG: 'slipway.demo.yml',
        SLIPWAY_DATA_DIR: dataDir,
        SLIPWAY_TASK_QUEUE: `start-${Date.now()}`,
        SLIPWAY_ADMIN_TOKEN: 'slw_test_main_process_token_0123456789',
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 45_000;
      let status = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        status = await fetch(`http://127.0.0.1:${port}/v1/openapi.json`).then(
          (r) => r.status,
          () => 0,
        );
        if (status) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(status, output).toBe(200);
      // The banner follows the server's start: wait for it.
      while (Date.now() < deadline && !output.includes('Dashboard:')) await new Promise((r) => setTimeout(r, 100));
      const banner = output.split('\n');
      const running = banner.findIndex((line) => line.includes('is running'));
      expect(running, output).toBeGreaterThanOrEqual(0);
      expect(banner[running + 1]).toMatch(new RegExp(`^\\s*Dashboard:\\s+http://127\\.0\\.0\\.1:${port}/$`));
      const page = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { accept: 'text/html', authorization: 'Bearer slw_test_main_process_token_0123456789' },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('href="/ui/static/app.css"');
    } finally {
      child.kill('SIGTERM');
    }
  },
);
