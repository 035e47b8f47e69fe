import { eq, inArray } from 'drizzle-orm';
import type { EnvironmentLockState } from '../domain/lock-state.js';
import type { Db } from './client.js';
import { environmentQueues, queuePauses } from './schema.js';

// Environment queues: the projection of each environment lock workflow (holders, waiters,
// paused), and the pause switches set through the API ('*' for all environments, or one
// environment's name) that new lock workflows and grants consult.

export type QueueRow = typeof environmentQueues.$inferSelect;
export type PauseSwitch = typeof queuePauses.$inferSelect;

export async function recordQueue(db: Db, state: EnvironmentLockState): Promise<void> {
  const values = {
    environment: state.environment,
    paused: state.paused,
    holders: state.holders,
    waiters: state.waiters,
    updatedAt: new Date(),
  };
  await db
    .insert(environmentQueues)
    .values(values)
    .onConflictDoUpdate({
      target: environmentQueues.environment,
      set: { paused: values.paused, holders: values.holders, waiters: values.waiters, updatedAt: values.updatedAt },
    });
}

export async function queueOf(db: Db, environment: string): Promise<QueueRow | null> {
  const [row] = await db.select().from(environmentQueues).where(eq(environmentQueues.environment, environment));
  return row ?? null;
}

/** The switches stored for these scopes ('*' or environment names); a scope never set has none. */
export async function pauseSwitches(db: Db, scopes: string[]): Promise<PauseSwitch[]> {
  return db.select().from(queuePauses).where(inArray(queuePauses.scope, scopes));
}

/** Whether new work in this environment must wait: paused for all ('*') or for this one. */
export async function isPaused(db: Db, environment: string): Promise<boolean> {
  return (await pauseSwitches(db, ['*', environment])).some((r) => r.paused);
}

export async function setPauseSwitch(db: Db, scope: string, paused: boolean, actor: string): Promise<void> {
  await db
    .insert(queuePauses)
    .values({ scope, paused, by: actor, at: new Date() })
    .onConflictDoUpdate({ target: queuePauses.scope, set: { paused, by: actor, at: new Date() } });
}
