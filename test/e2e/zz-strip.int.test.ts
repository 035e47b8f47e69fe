import { writeFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, it } from 'vitest';
import { sharedBundle, startStack, waitForState, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  const lines = ['environments: { preprod: { concurrency: groups }, live: { concurrency: exclusive } }', 'pipeline: [preprod, live]', 'direct-to-live: []', 'auth: { anonymous: [read] }', 'services:'];
  for (let i = 0; i < 8; i++) lines.push(`  s${i}:`, `    group: ${i % 4}`, '    deploy: { "*": { type: docker, image: slipway/step:busybox, command: "echo ok" } }');
  stack = await startStack({ configYaml: lines.join('\n') + '\n', maxCachedWorkflows: 50 });
});
afterAll(async () => stack?.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('strip', async () => {
  const ids = await Promise.all([...Array(40).keys()].map(async (i) => (await stack.call('POST', '/v1/deployments', { token: stack.tokens.requester, body: { service: `s${i % 8}`, version: `1.${i}` } })).body.id as string));
  await Promise.all(ids.map(async (id, i) => {
    await waitForState(stack, id, 'PENDING_TESTS', 120_000);
    const url = () => stack.call('POST', `/jobs/${id}/register_test_job_url`, { token: null, body: `test_job_url=https://j/${i}&access_token=${stack.tokens.reporter}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const rep = () => stack.call('POST', `/v1/deployments/${id}/test-results`, { token: stack.tokens.reporter, body: { passed: true } });
    const app = () => stack.call('POST', `/v1/deployments/${id}/approve`, { token: stack.tokens.approver });
    await app(); // refused: flag lost on old code
    await Promise.all([url(), (async () => { await sleep(i % 5); await rep(); })()]);
    for (let k = 0; k < 200; k++) { if ((await app()).status === 200) break; await sleep(5); }
  }));
  for (const id of ids) await waitForState(stack, id, 'GO_LIVE_DONE', 120_000);
  const bundle = await sharedBundle();
  let failures = 0;
  for (const id of ids) {
    const h = await stack.temporal.client.workflow.getHandle(id).fetchHistory();
    const json = JSON.parse(JSON.stringify(h));
    for (const e of h.events ?? []) { const m = e.workflowTaskCompletedEventAttributes?.sdkMetadata; if (m?.langUsedFlags) m.langUsedFlags = m.langUsedFlags.filter((x) => x !== 6); }
    try { await Worker.runReplayHistory({ workflowBundle: bundle, sinks: { exporter: { export: { fn: () => undefined } } } }, h, id); }
    catch (err) { failures++; console.log('STRIPFAIL', id, String(err).slice(0, 300)); if (failures === 1) writeFileSync('/tmp/strip-fail.json', JSON.stringify(json)); }
  }
  console.log('STRIPDONE', failures, 'of', ids.length);
}, 600_000);
