// The admin token across starts, on a real Postgres: printed only when generated, replaced when
// SLIPWAY_ADMIN_TOKEN changes, and a revoked one neither breaks the next start nor comes back.
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.js';
import { createToken, findToken, revokeToken } from '../db/tokens.js';
import { freshDatabase } from '../test/support/pg.js';
import { adminTokenAtStart } from './admin-token.js';

const dataDir = mkdtempSync(join(tmpdir(), 'slipway-admin-token-'));
let pg: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
beforeAll(async () => {
  pg = await freshDatabase(inject('databaseUrl'));
  database = await openDatabase({ url: pg.url });
});
afterAll(async () => {
  await database?.close();
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const fixedA = 'fixed-admin-token-aaaaaaaa';
const fixedB = 'fixed-admin-token-bbbbbbbb';
const file = join(dataDir, 'admin-token');

it('shows a generated token once, at the start that made it', async () => {
  const first = await adminTokenAtStart(database.db, undefined, dataDir);
  const generated = readFileSync(file, 'utf8');
  expect(generated).toMatch(/^slw_/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(first.shown).toContain(generated);
  expect(await findToken(database.db, generated)).toMatchObject({ name: 'admin', scopes: ['admin'] });

  const again = await adminTokenAtStart(database.db, undefined, dataDir);
  expect(again.shown).not.toContain(generated);
  expect(again.shown).toContain(file);
});

it('never shows SLIPWAY_ADMIN_TOKEN, and a new value revokes the earlier admin tokens', async () => {
  const generated = readFileSync(file, 'utf8');
  const a = await adminTokenAtStart(database.db, fixedA, dataDir);
  expect(a.shown).toBe('(from SLIPWAY_ADMIN_TOKEN)');
  expect(await findToken(database.db, fixedA)).not.toBeNull();
  expect(await findToken(database.db, generated)).toBeNull();
  expect(existsSync(file)).toBe(false);
  expect((await adminTokenAtStart(database.db, fixedA, dataDir)).warning).toBeNull();

  // A token an admin made, even one named admin, is not the start's to revoke.
  const own = await createToken(database.db, 'admin', ['admin'], 'alice');
  const b = await adminTokenAtStart(database.db, fixedB, dataDir);
  expect(JSON.stringify(b)).not.toContain(fixedB);
  expect(b.warning).toContain('revoked 1 earlier admin token');
  expect(await findToken(database.db, fixedA)).toBeNull();
  expect(await findToken(database.db, fixedB)).not.toBeNull();
  expect(await findToken(database.db, own.token)).not.toBeNull();
});

it('starts after SLIPWAY_ADMIN_TOKEN was revoked, without bringing it back', async () => {
  const row = await findToken(database.db, fixedB);
  await revokeToken(database.db, row!.id, 'alice');
  const after = await adminTokenAtStart(database.db, fixedB, dataDir);
  expect(after.warning).toContain('revoked');
  expect(JSON.stringify(after)).not.toContain(fixedB);
  expect(await findToken(database.db, fixedB)).toBeNull();
});
