import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from './audit.js';
import type { Db } from './client.js';
import { apiTokens } from './schema.js';

// API tokens: the secret is shown once, at creation; only its SHA-256 is stored. Tokens are
// 32 random bytes, so a fast hash is enough (there is nothing to brute-force).

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface TokenInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export async function createToken(
  db: Db,
  name: string,
  scopes: string[],
  actor: string,
  secret?: string,
): Promise<{ token: string; info: TokenInfo }> {
  const token = secret ?? `slw_${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiTokens)
    .values({ id: randomUUID(), name, hash: hashToken(token), scopes })
    .returning();
  await recordAudit(db, { actor, action: 'token.create', subject: row!.id, detail: { name, scopes } });
  return { token, info: row! };
}

export async function findToken(db: Db, token: string): Promise<TokenInfo | null> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.hash, hashToken(token)), isNull(apiTokens.revokedAt)));
  return row ?? null;
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.select().from(apiTokens).orderBy(apiTokens.createdAt);
  return rows.map(({ hash: _hash, ...info }) => info);
}

export async function revokeToken(db: Db, id: string, actor: string): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (rows.length > 0) await recordAudit(db, { actor, action: 'token.revoke', subject: id });
  return rows.length > 0;
}

/**
 * The admin token: SLIPWAY_ADMIN_TOKEN when given (stored if new), otherwise one generated at the
 * first start. Returns the secret only when it is known to this process.
 */
export async function ensureAdminToken(
  db: Db,
  fixed: string | undefined,
): Promise<{ token: string | null; created: boolean }> {
  if (fixed) {
    if (await findToken(db, fixed)) return { token: fixed, created: false };
    await createToken(db, 'admin', ['admin'], 'slipway', fixed);
    return { token: fixed, created: true };
  }
  const existing = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.name, 'admin'), isNull(apiTokens.revokedAt)));
  if (existing.length > 0) return { token: null, created: false };
  const { token } = await createToken(db, 'admin', ['admin'], 'slipway');
  return { token, created: true };
}
