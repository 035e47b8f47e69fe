// The gateway's inbox seen from outside: a delivery is accepted once recorded, a redelivery answers
// 'duplicate', and a delivery whose workflow was started before the inbox existed starts nothing
// new. No worker runs: the workflows only have to exist (they are terminated at the end).
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { webhookInbox } from '../../db/schema.js';
import {
  forgeEventStartOptions,
  forgeEventWorkflowId,
  forgeEventWorkflowType,
} from '../../workflows/forge-event.messages.js';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { githubPush, vendorHeaders } from '../support/webhooks.js';

let stack: Stack;
const secret = 'inbox-secret-0123456789';
const workflowIds: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    inProcessWorker: false,
    env: { HOOK_SECRET: secret },
    configYaml: `
services: {}
forges: { github: { vendor: github, secretEnv: HOOK_SECRET } }
repositories: { acme/shop: { forge: github, branches: { job: team/shop/ci } } }
`,
  });
});
afterAll(async () => {
  await Promise.all(
    workflowIds.map((id) =>
      stack.temporal.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => {}),
    ),
  );
  await stack.close();
});

async function deliver(delivery: string) {
  const body = JSON.stringify(githubPush('acme/shop', 'main', randomBytes(20).toString('hex')));
  const res = await fetch(`${stack.url}/hooks/github`, {
    method: 'POST',
    headers: vendorHeaders('github', 'push', body, secret, delivery),
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const handedRow = (delivery: string) =>
  eventually(async () => {
    const [row] = await stack.database.db
      .select()
      .from(webhookInbox)
      .where(eq(webhookInbox.id, `github:${delivery}`));
    return row?.handedAt ? row : undefined;
  }, `delivery ${delivery} to be handed to Temporal`);

it('accepts a delivery once it is in the inbox, answers a redelivery with duplicate, and starts one workflow', async () => {
  const delivery = randomUUID();
  const workflowId = forgeEventWorkflowId(stack.taskQueue, 'github', delivery);
  workflowIds.push(workflowId);
  expect(await deliver(delivery)).toEqual({ status: 202, body: { status: 'accepted', delivery, events: 1 } });
  expect(await deliver(delivery)).toEqual({ status: 202, body: { status: 'duplicate', delivery } });
  const row = await handedRow(delivery);
  expect(row).toMatchObject({ forge: 'github', deliveryId: delivery, workflowId, input: null, attempts: 0 });
  const described = await stack.temporal.client.workflow.getHandle(workflowId).describe();
  expect(described.type).toBe(forgeEventWorkflowType);
  expect(await deliver(delivery)).toEqual({ status: 202, body: { status: 'duplicate', delivery } });
});

it('starts nothing new for a delivery whose workflow a gateway without the inbox started', async () => {
  const delivery = randomUUID();
  const workflowId = forgeEventWorkflowId(stack.taskQueue, 'github', delivery);
  workflowIds.push(workflowId);
  // What the gateway did before the inbox: the workflow exists, the row does not.
  const input = {
    forge: 'github',
    deliveryId: delivery,
    eventType: 'push',
    events: [],
    rule: stack.config.repositories['acme/shop']!,
    publicUrl: null,
    statuses: false,
  };
  const earlier = await stack.temporal.client.workflow.start(
    forgeEventWorkflowType,
    forgeEventStartOptions(workflowId, input, stack.taskQueue),
  );
  expect((await deliver(delivery)).status).toBe(202);
  const row = await handedRow(delivery);
  expect(row).toMatchObject({ attempts: 0, lastError: null, input: null });
  const described = await stack.temporal.client.workflow.getHandle(workflowId).describe();
  expect(described.runId).toBe(earlier.firstExecutionRunId);
  expect(await deliver(delivery)).toEqual({ status: 202, body: { status: 'duplicate', delivery } });
});
