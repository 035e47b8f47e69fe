// Jobs from repositories, deployments that run a job, artifacts, and the live log through the API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startStack, waitForState, type Stack } from '../support/stack.js';

let stack: Stack;
let repo: string;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'slipway-repo-'));
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'app.txt'), 'hello from the repository\n');
  writeFileSync(
    join(repo, '.slipway.yml'),
    [
      'title: from the repository',
      'parameters: [{ title: VERSION, required: true }]',
      'artifact: { service: "shop-web", version: "{{VERSION}}" }',
      'stages:',
      '  - title: build',
      '    steps:',
      '      - title: show',
      '        command: cat app.txt; echo "version $VERSION"',
    ].join('\n'),
  );
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
  stack = await startStack({
    configYaml: [
      'auth: { anonymous: [read] }',
      'services:',
      '  shop-web:',
      '    deploy:',
      '      "*": { type: job, job: deploy/shop-web }',
    ].join('\n'),
  });
});
afterAll(async () => stack.close());

const finished = (id: string) =>
  eventually(
    async () => {
      const b = (await stack.call('GET', `/v1/builds/${id}`)).body;
      return ['succeeded', 'failed', 'cancelled', 'errored'].includes(b.status) ? b : undefined;
    },
    `build ${id}`,
    60_000,
  );

describe('builds and deployments together', () => {
  it('prefers the repository .slipway.yml, records the commit and registers the artifact', async () => {
    await stack.call('PUT', '/v1/jobs/shop/web', {
      body: {
        title: 'stored',
        parameters: [{ title: 'VERSION' }],
        repository: { url: `file://${repo}`, ref: 'main' },
        stages: [{ title: 'x', steps: [{ title: 'y', command: 'echo stored-definition' }] }],
      },
    });
    const build = (await stack.call('POST', '/v1/jobs/shop/web/builds', { body: { parameters: { VERSION: '2.4.0' } } }))
      .body;
    const done = await finished(build.id);
    expect(done.status).toBe('succeeded');
    expect(done.commit).toBe(execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim());
    const log = (await stack.call('GET', `/v1/builds/${build.id}/log`)).text;
    expect(log).toContain('hello from the repository');
    expect(log).toContain('version 2.4.0');
    expect(log).not.toContain('stored-definition');
    const { artifacts } = (await stack.call('GET', '/v1/artifacts?service=shop-web')).body;
    expect(artifacts).toEqual([
      expect.objectContaining({ service: 'shop-web', version: '2.4.0', commit: done.commit, buildId: build.id }),
    ]);
  });

  it('deploys by running a Slipway job: the deployment links its builds, with stages, hooks and logs', async () => {
    await stack.call('PUT', '/v1/jobs/deploy/shop-web', {
      body: {
        title: 'deploy shop-web',
        parameters: [{ title: 'MODULE' }, { title: 'VERSION' }, { title: 'ENVIRONMENT' }],
        onSuccess: 'echo deployed-hook',
        stages: [
          {
            title: 'rollout',
            steps: [{ title: 'apply', command: 'echo "rolling out $MODULE $VERSION to $ENVIRONMENT"' }],
          },
        ],
      },
    });
    const { body } = await stack.call('POST', '/v1/deployments', { body: { service: 'shop-web', version: '2.4.0' } });
    const pending = await waitForState(stack, body.id, 'PENDING_TESTS', 60_000);
    const link = pending.environments[0].build;
    expect(link).toMatchObject({ job: 'deploy/shop-web', number: 1, status: 'succeeded' });
    const log = (await stack.call('GET', `/v1/builds/${link.id}/log?stage=rollout&step=apply`)).text;
    expect(log).toContain('rolling out shop-web 2.4.0 to preprod');
  });

  it('streams a running build live over SSE and WebSocket, resumes without gaps, heartbeats while idle', async () => {
    await stack.call('PUT', '/v1/jobs/shop/ticker', {
      body: {
        title: 'ticker',
        stages: [
          {
            title: 't',
            steps: [{ title: 'tick', command: 'for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.4; done' }],
          },
        ],
      },
    });
    const build = (await stack.call('POST', '/v1/jobs/shop/ticker/builds', { body: {} })).body;
    const frames: Array<{ type: string; text?: string }> = [];
    const ws = new WebSocket(
      `${stack.url.replace('http', 'ws')}/v1/builds/${build.id}/logs/ws?access_token=${stack.tokens.reader}`,
    );
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as { type: string; text?: string }));
    await eventually(async () => frames.some((f) => f.type === 'end'), 'the WebSocket end frame', 30_000);
    ws.close();
    const text = frames
      .filter((f) => f.type === 'log')
      .map((f) => f.text)
      .join('');
    expect(text.match(/tick \d/g)).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5', 'tick 6']);
    expect(frames.some((f) => f.type === 'heartbeat')).toBe(true);

    const sse = async (lastEventId?: string) => {
      const res = await fetch(`${stack.url}/v1/builds/${build.id}/logs/events`, {
        headers: {
          authorization: `Bearer ${stack.tokens.reader}`,
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      });
      return res.text();
    };
    const all = await sse();
    const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(1);
    const resumed = await sse(ids[0]);
    const resumedIds = [...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]!);
    expect(resumedIds).toEqual(ids.slice(1));
    expect(resumed).toContain('event: end');
  });

  it('keeps a 200 MB step within the per-step cap, with a truncation notice and the tail', async () => {
    await stack.call('PUT', '/v1/jobs/shop/flood', {
      body: {
        title: 'flood',
        stages: [
          {
            title: 'f',
            steps: [
              {
                title: 'out',
                command: 'head -c 200000000 /dev/zero | tr "\\0" a | fold -w 100; echo; echo THE-LAST-LINE',
              },
            ],
          },
        ],
      },
    });
    const build = (await stack.call('POST', '/v1/jobs/shop/flood/builds', { body: {} })).body;
    const done = await finished(build.id);
    expect(done.status).toBe('succeeded');
    expect(done.commands[0]).toMatchObject({ truncated: true });
    const log = (await stack.call('GET', `/v1/builds/${build.id}/log`)).text;
    expect(log.length).toBeLessThan(20 * 1024 * 1024);
    expect(log).toMatch(/\[slipway\].*omitted/);
    expect(log.trimEnd().endsWith('THE-LAST-LINE')).toBe(true);
  });
});
