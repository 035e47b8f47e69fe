// Chaos: the worker process is killed (SIGKILL) while 200 webhook deliveries arrive. The gateway
// keeps accepting (it needs only Postgres; the relay hands deliveries to Temporal), and every
// accepted delivery ends in exactly one build.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builds } from '../../db/schema.js';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { githubPush, vendorHeaders } from '../support/webhooks.js';

let stack: Stack;
const secret = 'chaos-secret-0123456789';

beforeAll(async () => {
  stack = await startStack({
    inProcessWorker: false,
    heartbeatMs: 3000,
    env: { HOOK_SECRET: secret },
    configYaml: `
services: {}
forges: { github: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 100000 } }
repositories: { acme/shop: { forge: github, branches: { job: team/shop/ci } } }
`,
  });
  await stack.call('PUT', '/v1/jobs/team/shop/ci', {
    body: { title: 'ci', stages: [{ title: 't', steps: [{ title: 'ok', command: 'true' }] }] },
  });
});
afterAll(async () => stack.close());

it(
  'turns every accepted delivery into exactly one build although the worker is killed mid-stream',
  { timeout: 600_000 },
  async () => {
    const first = await stack.spawnWorker();
    const send = async (i: number) => {
      const body = JSON.stringify(githubPush('acme/shop', 'main', randomBytes(20).toString('hex')));
      const res = await fetch(`${stack.url}/hooks/github`, {
        method: 'POST',
        headers: vendorHeaders('github', 'push', body, secret, `chaos-${i}`),
        body,
      });
      return res.status;
    };
    const statuses: number[] = [];
    for (let wave = 0; wave < 20; wave++) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => send(wave * 10 + j)))));
      if (wave === 8) await first.kill('SIGKILL');
      if (wave === 12) await stack.spawnWorker();
    }
    const accepted = statuses.filter((s) => s === 202).length;
    expect(accepted).toBe(200);

    const done = await eventually(
      async () => {
        const [row] = await stack.database.db
          .select({
            total: sql<number>`count(*)::int`,
            finished: sql<number>`count(*) filter (where ${builds.status} in ('succeeded','failed','cancelled','errored'))::int`,
            triggers: sql<number>`count(distinct ${builds.triggeredBy})::int`,
          })
          .from(builds)
          .where(sql`${builds.jobPath} = 'team/shop/ci/branch-main'`);
        return row && row.total >= accepted && row.finished === row.total ? row : undefined;
      },
      'every delivery to be built',
      540_000,
    );
    expect(done).toEqual({ total: 200, finished: 200, triggers: 200 });
    const numbers = await stack.database.db
      .select({ n: builds.number })
      .from(builds)
      .where(sql`${builds.jobPath} = 'team/shop/ci/branch-main'`);
    expect(numbers.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  },
);
