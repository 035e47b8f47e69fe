import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { recordAudit } from './audit.js';
import type { Db } from './client.js';
import { apiTokens, auditLog } from './schema.js';

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

/** An active (not revoked) token by its id: a dashboard session names its token by id, never by secret. */
export async function findActiveTokenById(db: Db, id: string): Promise<TokenInfo | null> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  const { hash: _hash, ...info } = row;
  return info;
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

/** The actor of the tokens a start creates itself (SLIPWAY_ADMIN_TOKEN, or a generated one). */
const startActor = 'slipway';

export interface AdminTokenOutcome {
  /** The secret, when this process knows it: SLIPWAY_ADMIN_TOKEN, or the one generated just now. */
  token: string | null;
  /** A token was stored by this call. */
  created: boolean;
  /** Admin tokens of earlier starts revoked because SLIPWAY_ADMIN_TOKEN replaced them. */
  replaced: number;
  /** SLIPWAY_ADMIN_TOKEN names a revoked token: it stays revoked, and the start goes on without it. */
  revokedValue: boolean;
}

/** Active admin tokens that a start created (known by their audit record), other than `keep`. */
async function startTokensOtherThan(db: Db, keep: string): Promise<string[]> {
  const rows = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .innerJoin(
      auditLog,
      and(eq(auditLog.subject, apiTokens.id), eq(auditLog.action, 'token.create'), eq(auditLog.actor, startActor)),
    )
    .where(and(eq(apiTokens.name, 'admin'), isNull(apiTokens.revokedAt), ne(apiTokens.id, keep)));
  return rows.map((r) => r.id);
}

/**
 * The admin token: SLIPWAY_ADMIN_TOKEN when given (stored if new, and replacing the admin token of
 * any earlier start: a changed value revokes the old one), otherwise one generated when no active
 * token holds the admin scope. A revoked SLIPWAY_ADMIN_TOKEN is not brought back.
 */
export async function ensureAdminToken(db: Db, fixed: string | undefined): Promise<AdminTokenOutcome> {
  const outcome = { token: null, created: false, replaced: 0, revokedValue: false };
  if (fixed) {
    const [known] = await db
      .select({ id: apiTokens.id, revokedAt: apiTokens.revokedAt })
      .from(apiTokens)
      .where(eq(apiTokens.hash, hashToken(fixed)));
    if (known?.revokedAt) return { ...outcome, revokedValue: true };
    const id = known?.id ?? (await createToken(db, 'admin', ['admin'], startActor, fixed)).info.id;
    const earlier = await startTokensOtherThan(db, id);
    for (const old of earlier) await revokeToken(db, old, startActor);
    return { ...outcome, token: fixed, created: !known, replaced: earlier.length };
  }
  const admins = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(isNull(apiTokens.revokedAt), sql`${apiTokens.scopes} @> '["admin"]'::jsonb`));
  if (admins.length > 0) return outcome;
  const { token } = await createToken(db, 'admin', ['admin'], startActor);
  return { ...outcome, token, created: true };
}
