// The build page with app.request(): stages, steps and hooks, parameters with secrets as ***, the
// log with ANSI colours as classes and markup as text, the raw download for a session, the live
// stream (SSE) from chunks stored and announced as the build host does, and cancel/rebuild shown
// and accepted only for those the API would let do it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLogChunk, notifyBuildStatus, notifyLogChunk } from '../../db/build-logs.js';
import { findBuild, recordBuild } from '../../db/builds.js';
import type { BuildState, CommandRecord } from '../../domain/build-state.js';
import { startApiHarness, type ApiHarness, type Role } from '../../test/support/api-harness.js';
import { uiAs } from '../../test/support/ui-as-role.js';
import { uiClient } from '../../test/support/ui-client.js';

const XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({
    configYaml: `
services:
  checkout:
    group: 1
    deploy: { "*": { type: job, job: "deploy/checkout" } }
`,
  });
  const job = {
    title: `Shop CI ${XSS}`,
    parameters: [
      { title: 'TARGET', default: 'eu' },
      { title: 'TOKEN', secret: true },
    ],
    stages: [{ title: 'Test', steps: [{ title: 'unit', command: 'true' }] }],
  };
  expect((await api.request('PUT', '/v1/jobs/team/shop/ci', { body: job })).status).toBe(201);
  expect((await api.request('PUT', '/v1/jobs/deploy/checkout', { body: job })).status).toBe(201);
});
afterAll(async () => api?.close());

const as = (role: Role) => uiAs(api, role);

let state = 0;
async function newBuild(job = 'team/shop/ci', parameters: Record<string, string> = { TOKEN: 's3cr3t-value' }) {
  const res = await api.request('POST', `/v1/jobs/${job}/builds`, { body: { parameters } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const command = (key: string, status: CommandRecord['status'], extra: Partial<CommandRecord> = {}): CommandRecord => ({
  key,
  stage: key.split('/')[0]!,
  step: key.split('/')[1]!,
  kind: key.includes('/on') ? 'hook' : 'step',
  status,
  ...extra,
});

async function store(id: string, status: BuildState['status'], commands: CommandRecord[]) {
  const row = (await findBuild(api.database.db, id))!;
  const finished = ['succeeded', 'failed', 'cancelled', 'errored'].includes(status);
  await recordBuild(api.database.db, {
    id,
    jobPath: row.jobPath,
    number: row.number,
    status,
    commands,
    commit: 'abcdef0123456789',
    ref: 'main',
    host: 'host-1',
    reason: status === 'failed' ? 'failed at test/unit' : null,
    startedAt: new Date(Date.now() - 5000).toISOString(),
    finishedAt: finished ? new Date().toISOString() : null,
    seq: ++state,
  });
  if (finished) await notifyBuildStatus(api.database.pubsub, id, status);
}

const offsets = new Map<string, number>();
async function log(buildId: string, commandKey: string, text: string) {
  const at = `${buildId} ${commandKey}`;
  const offset = offsets.get(at) ?? 0;
  offsets.set(at, offset + Buffer.byteLength(text));
  const id = await insertLogChunk(api.database.db, { buildId, commandKey, offset, text });
  await notifyLogChunk(api.database.pubsub, { buildId, id: id! });
}

describe('the build page', () => {
  it('shows stages, steps and hooks, parameters with the secret as ***, the jump to the failed step, and the log', async () => {
    const id = await newBuild();
    await log(id, 'job/onStart', 'starting\n');
    await log(id, 'test/unit', `\x1b[1;31mFAIL\x1b[0m ${XSS}\x1b[2K\n`);
    await store(id, 'failed', [
      command('job/onStart', 'succeeded', { exitCode: 0 }),
      command('test/unit', 'failed', { exitCode: 1 }),
      command('job/onFailure', 'succeeded', { exitCode: 0 }),
    ]);
    const html = await as('reader').page(`/builds/${id}`);
    expect(html).toContain('Shop CI &lt;script&gt;');
    expect(html).toContain('>failed</span>');
    expect(html).toContain('<tr data-step="test/unit">');
    expect(html).toContain('(hook)');
    expect(html).toContain('<code>TOKEN</code>');
    expect(html).toContain('<code>***</code>');
    expect(html).not.toContain('s3cr3t-value');
    expect(html).toMatch(/<a href="#log-test_unit" data-log-failed="true">Jump to the failed step<\/a>/);
    expect(html).toContain('<section class="log-command" id="log-test_unit" data-command="test/unit">');
    expect(html).toContain('<span class="ansi-bold ansi-fg-1">FAIL</span>');
    expect(html).toContain(' &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;\n');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('\x1b');
    expect(html).toContain('<script src="/ui/static/log.js" defer=""></script>');
    expect(html).toContain('data-finished="true"');
  });

  it('offers the raw log to a signed-in reader, escapes and all', async () => {
    const id = await newBuild();
    await log(id, 'test/unit', '\x1b[32mok\x1b[0m\n');
    const res = await as('reader').get(`/builds/${id}/log`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="team_shop_ci-\d+\.log"$/);
    expect(res.text).toBe('\x1b[32mok\x1b[0m\n');
  });

  it('sends a visitor without a session to sign in, and answers an unknown build with a 404 page', async () => {
    const id = await newBuild();
    const visitor = await uiClient(api.app).get(`/builds/${id}`);
    expect(visitor.status).toBe(303);
    expect(visitor.location).toBe(`/login?next=${encodeURIComponent(`/builds/${id}`)}`);
    const missing = await as('reader').get('/builds/bld-nothing-1');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('build bld-nothing-1');
  });
});

describe('cancel and rebuild', () => {
  it('are shown to a builder on a running build and hidden from a reader', async () => {
    const id = await newBuild();
    await store(id, 'running', [command('test/unit', 'running')]);
    const builder = await as('builder').page(`/builds/${id}`);
    expect(builder).toContain(`action="/builds/${id}/cancel"`);
    expect(builder).toContain(`action="/builds/${id}/rebuild"`);
    expect(builder).toContain('name="param.TOKEN"');
    expect(builder).toContain('data-finished="false"');
    expect(builder).toContain('data-log-reload');
    const reader = await as('reader').page(`/builds/${id}`);
    expect(reader).not.toContain('/cancel"');
    expect(reader).not.toContain('/rebuild"');
  });

  it('refuse a reader’s forged POST and run the API’s cancel for a builder', async () => {
    const id = await newBuild();
    await store(id, 'running', [command('test/unit', 'running')]);
    const reader = as('reader');
    await reader.page(`/builds/${id}`);
    const updates = () => api.temporal.callsOf('executeUpdate').filter((c) => c.workflowId === id).length;
    const forged = await reader.post(`/builds/${id}/cancel`, {});
    expect(forged.status).toBe(403);
    expect(updates()).toBe(0);
    const builder = as('builder');
    await builder.page(`/builds/${id}`);
    const noCsrf = await builder.post(`/builds/${id}/cancel`, {}, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(updates()).toBe(0);
    const done = await builder.post(`/builds/${id}/cancel`);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/builds/${id}`);
    expect(api.temporal.callsOf('executeUpdate').find((c) => c.workflowId === id)).toMatchObject({
      name: 'cancelBuild',
      args: [{ actor: 'builder' }],
    });
  });

  it('rebuild with the secret given again, as the API does; a deploy job only for an admin', async () => {
    const id = await newBuild();
    await store(id, 'failed', [command('test/unit', 'failed')]);
    const builder = as('builder');
    await builder.page(`/builds/${id}`);
    const res = await builder.post(`/builds/${id}/rebuild`, { 'param.TOKEN': 'again-secret' });
    expect(res.status).toBe(303);
    const rebuilt = (await findBuild(api.database.db, decodeURIComponent(res.location!.split('/').at(-1)!)))!;
    expect(rebuilt).toMatchObject({ rebuildOf: id, triggeredBy: 'builder', ref: 'abcdef0123456789' });
    expect(rebuilt.parameters).toEqual({ TARGET: 'eu', TOKEN: '***' });

    const deploy = await newBuild('deploy/checkout');
    expect(await builder.page(`/builds/${deploy}`)).not.toContain('/rebuild"');
    const refused = await builder.post(`/builds/${deploy}/rebuild`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('deploy/checkout');
    expect(await as('admin').page(`/builds/${deploy}`)).toContain('/rebuild"');
  });
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** The page's event stream as EventSource reads it; events land in `events` as they arrive. */
async function openEvents(path: string, role: Role) {
  const res = await api.app.request(path, { headers: { authorization: `Bearer ${api.tokens[role]}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          event[line.slice(0, colon) as keyof SseEvent] = line.slice(colon + 1).replace(/^ /, '');
        }
        if (event.event) events.push(event);
      }
    }
  })();
  return { events, done, cancel: () => reader.cancel() };
}

async function until(check: () => boolean, what: string) {
  for (const deadline = Date.now() + 5000; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the live log stream', () => {
  it('replays after the page’s last chunk, follows new chunks as segments (colour across chunks), step states, then ends', async () => {
    const id = await newBuild();
    await store(id, 'running', [command('build/compile', 'running'), command('test/unit', 'pending')]);
    await log(id, 'build/compile', 'on the page\n');
    const page = await as('reader').page(`/builds/${id}`);
    const after = /data-events="[^"?]+\?after=(\d+)"/.exec(page)![1]!;
    const stream = await openEvents(`/builds/${id}/events?after=${after}`, 'reader');
    await log(id, 'build/compile', `\x1b[33mwarn ${XSS}`);
    await until(() => stream.events.some((e) => e.event === 'log'), 'the first live chunk');
    await store(id, 'running', [command('build/compile', 'succeeded'), command('test/unit', 'running')]);
    await log(id, 'build/compile', ' still yellow\x1b[0m\n');
    await log(id, 'test/unit', 'unit output\n');
    await store(id, 'succeeded', [command('build/compile', 'succeeded'), command('test/unit', 'succeeded')]);
    await stream.done;

    const logs = stream.events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data!));
    expect(logs).toEqual([
      { command: 'build/compile', anchor: 'log-build_compile', segments: [[`warn ${XSS}`, 'ansi-fg-3']] },
      {
        command: 'build/compile',
        anchor: 'log-build_compile',
        segments: [
          [' still yellow', 'ansi-fg-3'],
          ['\n', ''],
        ],
      },
      { command: 'test/unit', anchor: 'log-test_unit', segments: [['unit output\n', '']] },
    ]);
    expect(stream.events.every((e) => e.event !== 'log' || Number(e.id) > Number(after))).toBe(true);
    const steps = stream.events.filter((e) => e.event === 'steps').map((e) => JSON.parse(e.data!));
    expect(steps.at(-1)).toMatchObject({
      status: 'succeeded',
      failed: null,
      commands: [
        { key: 'build/compile', status: 'succeeded' },
        { key: 'test/unit', status: 'succeeded' },
      ],
    });
    expect(stream.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ status: 'succeeded' }) });
  });

  it('is for readers only', async () => {
    const id = await newBuild();
    const res = await api.app.request(`/builds/${id}/events`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(303);
  });
});
