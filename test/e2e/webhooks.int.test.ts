// The webhook gateway with each vendor's real payloads: signatures, dedupe, rate limit, job copies
// per branch and PR, superseding, statuses back to the forge, and features.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../fakes/github.js';
import { startFakeGitea } from '../fakes/gitea.js';
import { startFakeGitLab } from '../fakes/gitlab.js';
import { eventually, startStack, type Stack } from '../support/stack.js';
import { fixture, githubPullRequest, githubPush, vendorHeaders, type Vendor } from '../support/webhooks.js';

let stack: Stack;
let github: Awaited<ReturnType<typeof startFakeGitHub>>;
let gitlab: Awaited<ReturnType<typeof startFakeGitLab>>;
let gitea: Awaited<ReturnType<typeof startFakeGitea>>;
const secret = 'whsec-test-1234567890';
const sha = () => randomBytes(20).toString('hex');

beforeAll(async () => {
  github = await startFakeGitHub();
  gitlab = await startFakeGitLab();
  gitea = await startFakeGitea();
  stack = await startStack({
    env: { HOOK_SECRET: secret, GH_TOKEN: github.token, GL_TOKEN: gitlab.token, GT_TOKEN: gitea.token },
    configYaml: `
auth: { anonymous: [read] }
services: {}
forges:
  github: { vendor: github, secretEnv: HOOK_SECRET, apiUrl: "${github.url}", tokenEnv: GH_TOKEN }
  gitlab: { vendor: gitlab, secretEnv: HOOK_SECRET, apiUrl: "${gitlab.url}", tokenEnv: GL_TOKEN }
  gitea: { vendor: gitea, secretEnv: HOOK_SECRET, apiUrl: "${gitea.url}", tokenEnv: GT_TOKEN }
  bitbucket: { vendor: bitbucket, secretEnv: HOOK_SECRET }
  tight: { vendor: github, secretEnv: HOOK_SECRET, rateLimitPerMinute: 3 }
repositories:
  acme/shop: { forge: github, pullRequests: { job: team/shop/ci }, branches: { job: team/shop/ci, only: [main, "feature/**"] } }
  acme/quiet: { forge: tight, branches: { job: team/shop/ci } }
  platform/payments/checkout-api: { forge: gitlab, branches: { job: team/shop/ci } }
  ops/deploy-tools: { forge: gitea, branches: { job: team/shop/ci } }
  northwind/billing-service: { forge: bitbucket, branches: { job: team/shop/ci } }
`,
  });
  await stack.call('PUT', '/v1/jobs/team/shop/ci', {
    body: {
      title: 'shop CI',
      stages: [
        {
          title: 'test',
          steps: [
            { title: 'unit', command: 'echo "testing $SLIPWAY_JOB"; case "$SLIPWAY_JOB" in */pr-*) sleep 3;; esac' },
          ],
        },
      ],
    },
  });
});
afterAll(async () => {
  await stack.close();
  await Promise.all([github.close(), gitlab.close(), gitea.close()]);
});

async function deliver(
  forge: string,
  vendor: Vendor,
  event: string,
  payload: unknown,
  opts: { secret?: string; delivery?: string; raw?: string } = {},
) {
  const body = opts.raw ?? JSON.stringify(payload);
  const res = await fetch(`${stack.url}/hooks/${forge}`, {
    method: 'POST',
    headers: vendorHeaders(vendor, event, body, opts.secret ?? secret, opts.delivery),
    body,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { status?: string },
    retryAfter: res.headers.get('retry-after'),
  };
}

const buildsOf = async (job: string) =>
  (await stack.call('GET', `/v1/jobs/${job}/builds`)).body.builds as Array<{
    id: string;
    number: number;
    status: string;
  }>;
const settled = (job: string, n: number) =>
  eventually(
    async () => {
      const builds = await buildsOf(job).catch(() => []);
      return builds.length >= n &&
        builds.every((b) => ['succeeded', 'failed', 'cancelled', 'errored'].includes(b.status))
        ? builds
        : undefined;
    },
    `${n} finished builds of ${job}`,
    60_000,
  );

describe('webhook gateway', () => {
  it('builds a branch copy for a GitHub push and reports pending then success to GitHub', async () => {
    const commit = sha();
    const answer = await deliver('github', 'github', 'push', githubPush('acme/shop', 'main', commit));
    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const [build] = await settled('team/shop/ci/branch-main', 1);
    expect(build).toMatchObject({ number: 1, status: 'succeeded' });
    await eventually(async () => github.statuses('acme', 'shop', commit).length >= 2, 'two statuses');
    expect(github.statuses('acme', 'shop', commit).map((s) => s.state)).toEqual(['pending', 'success']);
    expect(github.statuses('acme', 'shop', commit)[1]).toMatchObject({
      context: 'slipway',
      target_url: `http://slipway.test/v1/builds/${build!.id}`,
    });
    expect((await stack.call('GET', '/v1/jobs/team/shop/ci/branch-main')).body.parent).toBe('team/shop/ci');
  });

  it('refuses bad signatures with 401, deduplicates by delivery id, answers 400 for malformed JSON and 202 ignored for unknown events', async () => {
    const payload = githubPush('acme/shop', 'main', sha());
    expect((await deliver('github', 'github', 'push', payload, { secret: 'wrong' })).status).toBe(401);
    const unsigned = await fetch(`${stack.url}/hooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    expect(
      (await deliver('gitlab', 'gitlab', 'Push Hook', fixture('gitlab', 'push'), { secret: 'wrong' })).status,
    ).toBe(401);
    expect((await deliver('gitea', 'gitea', 'push', fixture('gitea', 'push'), { secret: 'wrong' })).status).toBe(401);
    expect(
      (await deliver('bitbucket', 'bitbucket', 'repo:push', fixture('bitbucket', 'repo-push'), { secret: 'wrong' }))
        .status,
    ).toBe(401);

    const delivery = 'delivery-dedupe-1';
    expect((await deliver('github', 'github', 'push', payload, { delivery })).body.status).toBe('accepted');
    expect((await deliver('github', 'github', 'push', payload, { delivery })).body).toMatchObject({
      status: 'duplicate',
    });
    await settled('team/shop/ci/branch-main', 2);
    expect(await buildsOf('team/shop/ci/branch-main')).toHaveLength(2);

    const malformed = await deliver('github', 'github', 'push', null, { raw: '{"ref": ' });
    expect(malformed.status).toBe(400);
    expect((await deliver('github', 'github', 'star', { action: 'created' })).body).toMatchObject({
      status: 'ignored',
    });
    expect(
      (await deliver('github', 'github', 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).body.status,
    ).toBe('ignored');
    expect((await deliver('github', 'github', 'push', githubPush('acme/shop', 'wip/x', sha()))).status).toBe(202);
    expect((await stack.call('GET', '/v1/jobs/team/shop/ci/branch-wip-x')).status).toBe(404);
    expect((await deliver('nowhere', 'github', 'push', payload)).status).toBe(404);
  });

  it('rate-limits per source with 429 and Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await deliver('tight', 'github', 'ping', { zen: 'z', hook_id: i }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    expect(Number(answers[3]!.retryAfter)).toBeGreaterThan(0);
  });

  it('gives a PR its own job copy, supersedes its running build on a new push, and retires the copy on close', async () => {
    const first = sha();
    const second = sha();
    await deliver(
      'github',
      'github',
      'pull_request',
      githubPullRequest('acme/shop', 'opened', 25, first, 'ABC-123 refund flow'),
    );
    await eventually(
      async () => (await buildsOf('team/shop/ci/pr-25').catch(() => []))[0]?.status === 'running',
      'the PR build to run',
    );
    await deliver(
      'github',
      'github',
      'pull_request',
      githubPullRequest('acme/shop', 'synchronize', 25, second, 'ABC-123 refund flow'),
    );
    const builds = await settled('team/shop/ci/pr-25', 2);
    expect(builds.map((b) => [b.number, b.status])).toEqual([
      [2, 'succeeded'],
      [1, 'cancelled'],
    ]);
    await eventually(
      async () =>
        github.statuses('acme', 'shop', first).length >= 2 && github.statuses('acme', 'shop', second).length >= 2,
      'statuses',
    );
    expect(github.statuses('acme', 'shop', first).map((s) => s.state)).toEqual(['pending', 'error']);
    expect(github.statuses('acme', 'shop', second).map((s) => s.state)).toEqual(['pending', 'success']);

    await deliver(
      'github',
      'github',
      'pull_request',
      githubPullRequest('acme/shop', 'closed', 25, second, 'ABC-123 refund flow', true),
    );
    await eventually(
      async () => (await stack.call('GET', '/v1/jobs/team/shop/ci/pr-25')).status === 404,
      'the PR copy to retire',
    );
    expect((await stack.call('GET', '/v1/jobs/team/shop/ci')).status).toBe(200);
  });

  it('normalizes GitLab, Gitea and Bitbucket pushes into branch builds, with statuses to GitLab and Gitea', async () => {
    expect((await deliver('gitlab', 'gitlab', 'Push Hook', fixture('gitlab', 'push'))).body.status).toBe('accepted');
    expect((await deliver('gitea', 'gitea', 'push', fixture('gitea', 'push'))).body.status).toBe('accepted');
    expect((await deliver('bitbucket', 'bitbucket', 'repo:push', fixture('bitbucket', 'repo-push'))).body.status).toBe(
      'accepted',
    );
    await settled('team/shop/ci/branch-feature-PAY-311-refund-webhook', 1);
    await settled('team/shop/ci/branch-fix-OPS-88-timeouts', 1);
    await settled('team/shop/ci/branch-feature-BILL-42-invoice-pdf', 1);
    await eventually(
      async () => gitlab.statuses().length >= 2 && gitea.statuses().length >= 2,
      'GitLab and Gitea statuses',
    );
    expect(gitlab.statuses().map((s) => s.status)).toEqual(['running', 'success']);
    expect(gitea.statuses().map((s) => s.state)).toEqual(['pending', 'success']);
  });

  it('links branches, PRs and builds to features', async () => {
    const commit = sha();
    await deliver('github', 'github', 'push', githubPush('acme/shop', 'feature/ABC-123-refunds', commit));
    await settled('team/shop/ci/branch-feature-ABC-123-refunds', 1);
    // Build links are written when each delivery's builds end: the PR's superseded build may be last.
    const feature = await eventually(async () => {
      const f = (await stack.call('GET', '/v1/features/ABC-123')).body;
      return f.builds?.length >= 3 ? f : undefined;
    }, 'three builds linked to ABC-123');
    expect(feature.branches.map((b: { ref: string }) => b.ref)).toEqual(
      expect.arrayContaining(['feature/ABC-123-refunds']),
    );
    expect(feature.pullRequests.map((p: { ref: string }) => p.ref)).toEqual(['25']);
    github.setIssue('acme', 'shop', { number: 7, title: 'Checkout crashes on empty cart', state: 'open' });
    await deliver(
      'github',
      'github',
      'pull_request',
      githubPullRequest('acme/shop', 'opened', 31, sha(), 'Fix #7: guard the empty cart'),
    );
    const issue = await eventually(async () => {
      const f = (await stack.call('GET', `/v1/features/${encodeURIComponent('acme/shop#7')}`)).body;
      return f.title ? f : undefined;
    }, 'the issue feature');
    expect(issue).toMatchObject({
      key: 'acme/shop#7',
      title: 'Checkout crashes on empty cart',
      state: 'open',
      provider: 'github-issues',
    });
    expect(issue.pullRequests.map((p: { ref: string }) => p.ref)).toEqual(['31']);
    expect((await stack.call('GET', '/v1/features')).body.features.map((f: { key: string }) => f.key)).toEqual(
      expect.arrayContaining(['ABC-123', 'PAY-311', 'OPS-88', 'BILL-42']),
    );
  });

  it('takes Jenkins Notification plugin events from a provider token as CI builds of features', async () => {
    const { token } = (await stack.call('POST', '/v1/tokens', { body: { name: 'ci-jenkins', scopes: ['provider'] } }))
      .body;
    const notice = {
      name: 'shop-tests',
      url: 'job/shop/job/shop-tests/',
      build: {
        full_url: 'https://ci.example/job/shop/job/shop-tests/88/',
        number: 88,
        queue_id: 4,
        timestamp: 1767225607000,
        duration: 4100,
        phase: 'FINALIZED',
        status: 'SUCCESS',
        url: 'job/shop/job/shop-tests/88/',
        scm: { url: 'https://git.example/acme/shop.git', branch: 'origin/feature/ABC-123-refunds', commit: 'abc123' },
        parameters: { BRANCH_NAME: 'feature/ABC-123-refunds' },
        log: '',
        artifacts: {},
      },
    };
    const post = (t: string | null) => stack.call('POST', '/hooks/jenkins', { token: t, body: notice });
    expect((await post(stack.tokens.reader)).status).toBe(403);
    const accepted = await post(token);
    expect(accepted).toMatchObject({ status: 202, body: { accepted: true, features: ['ABC-123'] } });
    const feature = (await stack.call('GET', '/v1/features/ABC-123')).body;
    expect(feature.ciBuilds).toEqual([
      expect.objectContaining({
        source: 'jenkins',
        number: 88,
        status: 'SUCCESS',
        url: 'https://ci.example/job/shop/job/shop-tests/88/',
      }),
    ]);
  });
});
