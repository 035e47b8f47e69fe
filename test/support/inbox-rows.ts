import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { webhookInbox } from '../../db/schema.js';

// What tests look at in the webhook inbox beyond the gateway's and the relay's own statements
// (db/webhook-inbox.ts): a row as stored, and every row's workflow id (to terminate them).

export type InboxRow = typeof webhookInbox.$inferSelect;

export async function inboxRow(db: Db, id: string): Promise<InboxRow | undefined> {
  return (await db.select().from(webhookInbox).where(eq(webhookInbox.id, id)))[0];
}

export async function inboxWorkflowIds(db: Db): Promise<string[]> {
  return (await db.select({ workflowId: webhookInbox.workflowId }).from(webhookInbox)).map((r) => r.workflowId);
}
