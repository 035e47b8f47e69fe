// The lock's liveness check against the shared Temporal dev server: running holders are found by
// visibility queries, and only the others are described one by one. No worker polls the task
// queue: the workflows only have to exist (they are terminated at the end).
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectTemporal, type TemporalClients } from '../infra/runtime.js';
import { eventually } from '../test/support/stack.js';
import { createLockActivities } from './locks.js';

const taskQueue = `locks-${randomBytes(5).toString('hex')}`;
let temporal: TemporalClients;
const started: string[] = [];

beforeAll(async () => {
  temporal = await connectTemporal(inject('temporalAddress'), 'default');
});
afterAll(async () => {
  await Promise.all(
    started.map((id) =>
      temporal.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => {}),
    ),
  );
  await temporal.close();
});

/** The client, counting the handles asked for (each is one describe in closedWorkflows). */
function countingClient(client: Client): { client: Client; described: string[] } {
  const described: string[] = [];
  const workflow = new Proxy(client.workflow, {
    get(target, prop, receiver) {
      if (prop === 'getHandle')
        return (id: string) => {
          described.push(id);
          return target.getHandle(id);
        };
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    client: new Proxy(client, {
      get: (target, prop, receiver) => (prop === 'workflow' ? workflow : Reflect.get(target, prop, receiver)),
    }),
    described,
  };
}

it('reports closed and unknown holders, describing only those that visibility does not show running', async () => {
  const ids = [...Array(120).keys()].map((i) => `holder-${taskQueue}-${i}`);
  for (const id of ids) {
    // A type no worker runs: a holder only has to exist.
    await temporal.client.workflow.start('lockHolder', { workflowId: id, taskQueue, args: [] });
    started.push(id);
  }
  const [gone] = ids;
  await temporal.client.workflow.getHandle(gone!).terminate('holder gone');
  const unknown = `never-started-${taskQueue}`;
  // Visibility lags the server a little: wait until it lists exactly the running holders. A count
  // alone passed while the terminated one still showed running and another was not listed yet.
  const running = ids.filter((id) => id !== gone).sort();
  await eventually(
    async () => {
      const listed: string[] = [];
      for await (const w of temporal.client.workflow.list({
        query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
      }))
        listed.push(w.workflowId);
      return JSON.stringify(listed.sort()) === JSON.stringify(running) || undefined;
    },
    'visibility to list the running holders',
    20_000,
  );

  const { client, described } = countingClient(temporal.client);
  const locks = createLockActivities({ client, taskQueue, store: { isPaused: async () => false } });
  const closed = await locks.closedWorkflows([...ids, unknown, "quoted'id"]);
  expect(closed.sort()).toEqual([gone!, unknown, "quoted'id"].sort());
  expect(described.sort()).toEqual([gone!, unknown, "quoted'id"].sort());
});
