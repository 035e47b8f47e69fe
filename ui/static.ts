import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { UiEnv } from './env.js';

// /ui/static/<file>: the files of ui/static/ with a known type, read once at start-up. Nothing else is
// reachable: a name is looked up in that list, never joined to a path.

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

export const staticDir = fileURLToPath(new URL('./static/', import.meta.url));

function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = types[extname(name)];
    if (!type || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) continue;
    const body = readFileSync(`${dir}/${name}`);
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return files;
}

export function staticFiles(dir = staticDir) {
  const files = loadStaticFiles(dir);
  const app = new Hono<UiEnv>();
  app.get('/:file', (c) => {
    const file = files.get(c.req.param('file'));
    if (!file) return c.notFound();
    // Revalidated on each use (cheap with the ETag), so an upgrade's files apply at once.
    c.header('cache-control', 'no-cache');
    c.header('etag', file.etag);
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304);
    return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type });
  });
  return app;
}
