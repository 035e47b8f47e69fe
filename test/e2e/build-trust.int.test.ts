// Pull requests run untrusted code: a fork's (always) and the repository's own (unless its rule
// opts in) build without secret parameters, and their `.slipway.yml` cannot register an artifact.
// Whatever the trust, a secret parameter's default never reaches a workflow's input or history.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { githubPullRequest, vendorHeaders } from '../support/webhooks.js';

let stack: Stack;
let head: string;
const hookSecret = 'whsec-trust-1234567890';
const apiKey = `sk-live-${randomBytes(12).toString('hex')}`;
const encoded = Buffer.from(apiKey).toString('base64');

beforeAll(async () => {
  const repo = mkdtempSync(join(tmpdir(), 'slipway-pr-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  // What a pull request's author controls: the steps, and an artifact it would like registered.
  writeFileSync(
    join(repo, '.slipway.yml'),
    [
      'title: from the pull request',
      'artifact: { service: "shop-web", version: "pr-{{commit}}" }',
      'stages:',
      '  - title: leak',
      '    steps:',
      '      - title: encode',
      `        command: 'echo "encoded:$(printf %s "$API_KEY" | base64 | tr -d "\\n"):end"; echo "plain:$API_KEY:end"'`,
    ].join('\n'),
  );
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'pull request');
  head = git('rev-parse', 'HEAD');
  stack = await startStack({
    env: { HOOK_SECRET: hookSecret },
    configYaml: `
auth: { anonymous: [read] }
services: {}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET }
repositories:
  acme/shop: { forge: github, pullRequests: { job: shop/ci } }
  acme/trusting: { forge: github, pullRequests: { job: trusting/ci, trustSameRepository: true } }
`,
  });
  for (const job of ['shop/ci', 'trusting/ci']) {
    const put = await stack.call('PUT', `/v1/jobs/${job}`, {
      body: {
        title: 'CI with a deploy key',
        parameters: [{ title: 'API_KEY', secret: true, default: apiKey }],
        repository: { url: `file://${repo}`, ref: 'main' },
        stages: [{ title: 'stored', steps: [{ title: 'never', command: 'echo stored-definition' }] }],
      },
    });
    expect(put.status).toBe(201);
  }
});
afterAll(async () => stack?.close());

/** A pull request from the repository itself, or (fork) from mallory's copy of it. */
async function openPullRequest(repo: string, number: number, opts: { fork: boolean }) {
  const payload = githubPullRequest(repo, 'opened', number, head, `PR ${number}`);
  const base = payload.pull_request.base.repo;
  base.full_name = repo;
  payload.pull_request.head.repo = opts.fork
    ? { ...base, id: 990_000 + number, full_name: `mallory/${repo.split('/')[1]}`, fork: true }
    : { ...base };
  const body = JSON.stringify(payload);
  const res = await fetch(`${stack.url}/hooks/github`, {
    method: 'POST',
    headers: vendorHeaders('github', 'pull_request', body, hookSecret),
    body,
  });
  expect(res.status).toBe(202);
}

async function finishedBuild(job: string) {
  return eventually(
    async () => {
      const [build] = ((await stack.call('GET', `/v1/jobs/${job}/builds`)).body.builds ?? []) as Array<{
        id: string;
        status: string;
      }>;
      return build && ['succeeded', 'failed', 'cancelled', 'errored'].includes(build.status) ? build : undefined;
    },
    `a finished build of ${job}`,
    90_000,
  );
}

const logOf = async (id: string) => (await stack.call('GET', `/v1/builds/${encodeURIComponent(id)}/log`)).text;
const artifacts = async () => (await stack.call('GET', '/v1/artifacts?service=shop-web')).body.artifacts as unknown[];

/** A workflow's whole history as text, payloads decoded (they are JSON, as Temporal's Web UI shows them). */
async function historyText(workflowId: string): Promise<{ text: string; parent: string | null }> {
  const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const text = JSON.stringify(history, (key, value: unknown) =>
    value instanceof Uint8Array
      ? Buffer.from(value).toString('utf8')
      : key === 'data' && typeof value === 'string'
        ? Buffer.from(value, 'base64').toString('utf8')
        : value,
  );
  return { text, parent: started?.parentWorkflowExecution?.workflowId ?? null };
}

describe('pull request trust', () => {
  it('a fork’s pull request builds without the secret, even where same-repository PRs are trusted, and registers no artifact', async () => {
    await openPullRequest('acme/trusting', 1, { fork: true });
    const build = await finishedBuild('trusting/ci/pr-1');
    expect(build.status).toBe('succeeded');
    const log = await logOf(build.id);
    expect(log).toContain('encoded::end');
    expect(log).toContain('plain::end');
    expect(log).not.toContain(encoded);
    expect(log).not.toContain('stored-definition');
    expect(await artifacts()).toEqual([]);
  });

  it('a pull request from the repository itself is untrusted too unless the rule opts in', async () => {
    await openPullRequest('acme/shop', 2, { fork: false });
    const build = await finishedBuild('shop/ci/pr-2');
    expect(build.status).toBe('succeeded');
    const log = await logOf(build.id);
    expect(log).toContain('encoded::end');
    expect(log).not.toContain(encoded);
    expect(await artifacts()).toEqual([]);
  });

  it('trustSameRepository gives a same-repository pull request the secret (masking alone would not hide it) and its artifact', async () => {
    await openPullRequest('acme/trusting', 3, { fork: false });
    const build = await finishedBuild('trusting/ci/pr-3');
    expect(build.status).toBe('succeeded');
    const log = await logOf(build.id);
    // The exact value is masked, but its encoding is not: that is why untrusted code gets no secret.
    expect(log).toContain('plain:***:end');
    expect(log).toContain(`encoded:${encoded}:end`);
    expect(await artifacts()).toEqual([
      expect.objectContaining({ service: 'shop-web', version: `pr-${head}`, buildId: build.id }),
    ]);
  });
});

describe('secret defaults stay out of workflow histories', () => {
  it('neither a webhook’s build nor an API-triggered one carries the default in its input or history', async () => {
    const fromHook = await finishedBuild('trusting/ci/pr-3');
    const build = await historyText(fromHook.id);
    expect(build.text.includes('API_KEY')).toBe(true);
    expect(build.text.includes(apiKey)).toBe(false);
    expect(build.parent).not.toBeNull();
    expect((await historyText(build.parent!)).text.includes(apiKey)).toBe(false);

    const triggered = await stack.call('POST', '/v1/jobs/shop/ci/builds', { token: stack.tokens.admin, body: {} });
    expect(triggered.status).toBe(201);
    await eventually(
      async () =>
        ['succeeded', 'failed'].includes((await stack.call('GET', `/v1/builds/${triggered.body.id}`)).body.status),
      'the API-triggered build to finish',
      90_000,
    );
    const { text } = await historyText(triggered.body.id);
    expect(text.includes('API_KEY')).toBe(true);
    expect(text.includes(apiKey)).toBe(false);
    // The secret did reach the trusted build's environment, through build_secrets.
    expect(await logOf(triggered.body.id)).toContain(`encoded:${encoded}:end`);
  });
});
