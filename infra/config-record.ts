import type { Db } from '../db/client.js';
import { recordAudit } from '../db/audit.js';
import { latestConfigVersion, recordConfigVersion } from '../db/config-versions.js';
import type { SlipwayConfig } from '../domain/config.js';
import type { ConfigHolder, ReloadOutcome } from './config-holder.js';
import { logger } from './logger.js';

// Configuration versions and their audit trail: each version a process runs with is stored once
// (config_versions), and each change (a reload, or a start with a file that changed meanwhile) is
// audited with the versions before and after.

/** A URL's user and password: the schema allows them in URLs, they must not be stored. */
function withoutUrlCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUrlCredentials);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUrlCredentials(v)]));
  if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return value;
  try {
    const url = new URL(value);
    url.username = url.username ? 'redacted' : '';
    url.password = '';
    return url.href;
  } catch {
    return value;
  }
}

/** The stored copy: names of secret variables, never their values (none are in a configuration). */
export function storableConfig(config: SlipwayConfig): Record<string, unknown> {
  return withoutUrlCredentials(config) as Record<string, unknown>;
}

async function store(db: Db, holder: ConfigHolder, loadedBy: string): Promise<void> {
  const { version, source, config } = holder.current;
  await recordConfigVersion(db, { version, loadedBy, source, config: storableConfig(config) });
}

/** At start: stores the version; a file changed while Slipway was stopped is audited as a change. */
export async function recordConfigAtStart(db: Db, holder: ConfigHolder): Promise<void> {
  const previous = await latestConfigVersion(db);
  await store(db, holder, 'startup');
  const after = holder.current.version;
  if (previous && previous.version !== after)
    await recordAudit(db, {
      actor: 'startup',
      action: 'config.reload',
      subject: holder.current.source,
      detail: { before: previous.version, after },
    });
}

/**
 * Reloads the file; a change is stored and audited, a refusal changes nothing. Both are logged.
 * `db` null: a worker process, whose API replicas record the same change from their own watch.
 */
export async function reloadConfig(db: Db | null, holder: ConfigHolder, actor: string): Promise<ReloadOutcome> {
  const outcome = holder.reload();
  if (!outcome.ok) {
    logger.warn({ actor, errors: outcome.errors, kept: outcome.kept }, 'configuration refused; the old one stays');
    return outcome;
  }
  if (!outcome.changed) {
    logger.info({ actor, version: outcome.after }, 'configuration reloaded: unchanged');
    return outcome;
  }
  logger.info({ actor, before: outcome.before, after: outcome.after }, 'configuration reloaded');
  if (!db) return outcome;
  await store(db, holder, actor);
  await recordAudit(db, {
    actor,
    action: 'config.reload',
    subject: holder.current.source,
    detail: { before: outcome.before, after: outcome.after },
  });
  return outcome;
}
