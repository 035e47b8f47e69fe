// The Jenkins activities over real HTTP against the loopback fake (test/fakes/jenkins), run in
// Temporal's MockActivityEnvironment so that heartbeats, retries and cancellation are the SDK's own.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../domain/errors.js';
import { createJenkinsPing } from '../infra/jenkins.js';
import { startFakeJenkins, type FakeJenkins } from '../test/fakes/jenkins.js';
import { createJenkinsActivities, type JenkinsDeps, type JenkinsTriggerInput } from './jenkins.js';

const POLL_MS = 20;

function activities(fake: FakeJenkins, server: Partial<JenkinsDeps['servers'][string]> = {}) {
  return createJenkinsActivities({
    servers: { ci: { url: fake.url, user: fake.user, token: fake.token, ...server } },
    pollIntervalMs: POLL_MS,
    requestTimeoutMs: 2_000,
  });
}

/** One activity attempt; `info` sets attempt/heartbeatDetails as a Temporal retry would. */
function attempt<P extends unknown[], R>(fn: (...args: P) => Promise<R>, args: P, info: Partial<Info> = {}) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { env, heartbeats, result: env.run<P, R, typeof fn>(fn, ...args) };
}

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  attempt(fn, args).result;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function triggerInput(job: string, parameters: Record<string, string> = {}): JenkinsTriggerInput {
  return { server: 'ci', job, parameters, correlation: { name: 'REQUEST_ID', value: randomUUID() } };
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rawFetch(fake: FakeJenkins, path: string, init: RequestInit = {}) {
  const auth = `Basic ${Buffer.from(`${fake.user}:${fake.token}`).toString('base64')}`;
  return fetch(`${fake.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { Authorization: auth, ...init.headers },
  });
}

function expectRejected(err: Error, type: string) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).type).toBe(type);
}

describe('Jenkins activities against the fake Jenkins', () => {
  let fake: FakeJenkins;
  let jenkins: ReturnType<typeof createJenkinsActivities>;
  const params = ['ENVIRONMENT', 'COMPONENT', 'VERSION', 'REQUEST_ID'];

  beforeAll(async () => {
    fake = await startFakeJenkins();
    jenkins = activities(fake);
    fake.defineJob('release/team/deploy svc', { parameters: params, durationMs: 120, logLines: ['deploying', 'done'] });
    fake.defineJob('release/outcome', {
      parameters: ['OUTCOME', 'REQUEST_ID'],
      durationMs: 60,
      result: (p) => (p.OUTCOME as 'SUCCESS' | 'FAILURE' | 'ABORTED' | undefined) ?? 'SUCCESS',
    });
    fake.defineJob('release/slow', { parameters: ['REQUEST_ID'], durationMs: 10_000 });
    fake.defineJob('release/parked', { parameters: ['REQUEST_ID'], queueDelayMs: 5_000 });
    fake.defineJob('release/adopt', { parameters: ['REQUEST_ID'], durationMs: 80 });
    fake.defineJob('release/plain');
  });
  afterAll(() => fake.close());

  it('triggers a job in nested folders with a space in its name and awaits SUCCESS', async () => {
    const input = triggerInput('release/team/deploy svc', {
      ENVIRONMENT: 'preprod',
      COMPONENT: 'svc',
      VERSION: '1.2.3',
    });
    const { result, heartbeats } = attempt(jenkins.jenkinsTrigger, [input]);
    const triggered = await result;
    const buildUrl = `${fake.url}/job/release/job/team/job/deploy%20svc/${triggered.buildNumber}/`;
    expect(triggered).toEqual({
      buildNumber: 1,
      queueId: expect.any(Number),
      adopted: false,
      buildUrl,
      consoleUrl: `${buildUrl}console`,
    });
    expect(heartbeats).toContainEqual({ queueId: triggered.queueId });

    const status = await run(jenkins.jenkinsAwaitBuild, {
      server: 'ci',
      job: input.job,
      buildNumber: triggered.buildNumber,
    });
    expect(status).toMatchObject({ buildNumber: 1, building: false, result: 'SUCCESS', buildUrl });
    expect(status.durationMs).toBeGreaterThan(0);
    expect(fake.builds(input.job)).toEqual([
      {
        number: 1,
        queueId: triggered.queueId,
        result: 'SUCCESS',
        building: false,
        params: { ENVIRONMENT: 'preprod', COMPONENT: 'svc', VERSION: '1.2.3', REQUEST_ID: input.correlation.value },
      },
    ]);
    const log = await (await rawFetch(fake, '/job/release/job/team/job/deploy%20svc/1/consoleText')).text();
    expect(log).toMatch(/deploying\ndone\nFinished: SUCCESS\n$/);
  });

  it('reports FAILURE and ABORTED results', async () => {
    for (const outcome of ['FAILURE', 'ABORTED'] as const) {
      const input = triggerInput('release/outcome', { OUTCOME: outcome });
      const { buildNumber } = await run(jenkins.jenkinsTrigger, input);
      const status = await run(jenkins.jenkinsAwaitBuild, { server: 'ci', job: input.job, buildNumber });
      expect(status).toMatchObject({ result: outcome, building: false });
    }
  });

  it('stops a running build, which then ends ABORTED', async () => {
    const input = triggerInput('release/slow');
    const { buildNumber } = await run(jenkins.jenkinsTrigger, input);
    const ref = { server: 'ci', job: input.job, buildNumber };
    await run(jenkins.jenkinsStop, ref);
    expect(await run(jenkins.jenkinsAwaitBuild, ref)).toMatchObject({ result: 'ABORTED', building: false });
    await run(jenkins.jenkinsStop, ref); // finished: no-op
  });

  it('adopts the build of an earlier trigger with the same correlation value', async () => {
    const input = triggerInput('release/adopt');
    const first = await run(jenkins.jenkinsTrigger, input);
    expect(first.adopted).toBe(false);
    const again = await run(jenkins.jenkinsTrigger, input);
    expect(again).toMatchObject({ buildNumber: first.buildNumber, adopted: true });
    await run(jenkins.jenkinsAwaitBuild, { server: 'ci', job: input.job, buildNumber: first.buildNumber });
    const afterDone = await run(jenkins.jenkinsTrigger, input);
    expect(afterDone).toMatchObject({ buildNumber: first.buildNumber, adopted: true });
    expect(fake.triggers(input.job)).toBe(1);
  });

  it('adopts a still-queued item found by its correlation value', async () => {
    const input = triggerInput('release/parked');
    const before = fake.triggers(input.job);
    const first = attempt(jenkins.jenkinsTrigger, [input]);
    await until(() => first.heartbeats.length > 0);
    const second = attempt(jenkins.jenkinsTrigger, [input]);
    await until(() => second.heartbeats.length > 0);
    expect(second.heartbeats[0]).toEqual(first.heartbeats[0]);
    expect(fake.triggers(input.job)).toBe(before + 1);
    first.env.cancel();
    second.env.cancel();
    expect(await rejection(first.result)).toBeInstanceOf(CancelledFailure);
    expect(await rejection(second.result)).toBeInstanceOf(CancelledFailure);
  });

  it('resumes from the heartbeated queue id on a retried attempt', async () => {
    fake.defineJob('release/resume', { parameters: ['REQUEST_ID'], queueDelayMs: 300, durationMs: 30 });
    const input = triggerInput('release/resume');
    const first = attempt(jenkins.jenkinsTrigger, [input]);
    await until(() => first.heartbeats.length > 0);
    first.env.cancel(); // the worker died mid-poll
    await rejection(first.result);
    const retried = await attempt(jenkins.jenkinsTrigger, [input], {
      attempt: 2,
      heartbeatDetails: first.heartbeats.at(-1),
    }).result;
    expect(retried).toMatchObject({ buildNumber: 1, adopted: true });
    expect(fake.triggers(input.job)).toBe(1);
  });

  it('finds the build after a lost trigger response, and triggers exactly once', async () => {
    fake.defineJob('release/lossy', { parameters: ['REQUEST_ID'], durationMs: 40 });
    const input = triggerInput('release/lossy');
    fake.dropNextTriggerResponse(input.job);
    const first = attempt(jenkins.jenkinsTrigger, [input]);
    const err = await rejection(first.result);
    expect(err).not.toBeInstanceOf(ApplicationFailure); // retryable
    const retried = await attempt(jenkins.jenkinsTrigger, [input], {
      attempt: 2,
      heartbeatDetails: first.heartbeats.at(-1),
    }).result;
    expect(retried.adopted).toBe(true);
    const status = await run(jenkins.jenkinsAwaitBuild, {
      server: 'ci',
      job: input.job,
      buildNumber: retried.buildNumber,
    });
    expect(status.result).toBe('SUCCESS');
    expect(fake.triggers(input.job)).toBe(1);
    expect(fake.builds(input.job)).toHaveLength(1);
  });

  it('fails non-retryably with JenkinsQueueCancelled when the queue item is cancelled', async () => {
    const input = triggerInput('release/parked');
    const t = attempt(jenkins.jenkinsTrigger, [input]);
    await until(() => t.heartbeats.length > 0);
    const { queueId } = t.heartbeats[0] as { queueId: number };
    const res = await rawFetch(fake, `/queue/cancelItem?id=${queueId}`, { method: 'POST' });
    expect(res.status).toBe(204);
    expectRejected(await rejection(t.result), ErrorType.JenkinsQueueCancelled);
  });

  it('rejects an unknown job, a job without parameters, and a bad token without retry', async () => {
    const unknown = await rejection(run(jenkins.jenkinsTrigger, triggerInput('release/nope')));
    expectRejected(unknown, ErrorType.JenkinsRejected);
    expect(unknown.message).toMatch(/release\/nope.*404/);

    const plain = await rejection(run(jenkins.jenkinsTrigger, triggerInput('release/plain')));
    expectRejected(plain, ErrorType.JenkinsRejected);
    expect(plain.message).toMatch(/400/);

    const badToken = 'bad-token-0123456789';
    const bad = activities(fake, { token: badToken });
    const err = await rejection(run(bad.jenkinsTrigger, triggerInput('release/adopt')));
    expectRejected(err, ErrorType.JenkinsRejected);
    expect(err.message).toMatch(/401/);
    expect(err.message).not.toContain(badToken);
    expect(err.message).not.toContain(Buffer.from(`${fake.user}:${badToken}`).toString('base64'));
  });

  it('stops awaiting promptly on cancellation and leaves the Jenkins build running', async () => {
    const input = triggerInput('release/slow');
    const { buildNumber } = await run(jenkins.jenkinsTrigger, input);
    const wait = attempt(jenkins.jenkinsAwaitBuild, [{ server: 'ci', job: input.job, buildNumber }]);
    await until(() => wait.heartbeats.length >= 2);
    const cancelledAt = Date.now();
    wait.env.cancel();
    expect(await rejection(wait.result)).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - cancelledAt).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.builds(input.job).find((b) => b.number === buildNumber)).toMatchObject({
      building: true,
      result: null,
    });
    expect(await run(jenkins.jenkinsBuildStatus, { server: 'ci', job: input.job, buildNumber })).toMatchObject({
      building: true,
      result: null,
    });
  });
});

describe('Jenkins activities: expiry, crumbs, restarts', () => {
  it('finds the build through the builds search when the queue item has expired', async () => {
    const fake = await startFakeJenkins({ queueItemTtlMs: 1 });
    try {
      fake.defineJob('svc/deploy', { parameters: ['REQUEST_ID'], queueDelayMs: 20, durationMs: 30 });
      // Polling slower than queue delay + TTL guarantees that the item answers 404 before it names its build.
      const jenkins = createJenkinsActivities({
        servers: { ci: { url: fake.url, user: fake.user, token: fake.token } },
        pollIntervalMs: 100,
      });
      const input = triggerInput('svc/deploy');
      const triggered = await run(jenkins.jenkinsTrigger, input);
      expect(triggered).toMatchObject({ buildNumber: 1, adopted: false });
      expect((await rawFetch(fake, `/queue/item/${triggered.queueId}/api/json`)).status).toBe(404);
      expect(fake.triggers(input.job)).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('works with password auth when crumbs are required (crumb + session cookie)', async () => {
    const password = 'correct horse battery staple';
    const fake = await startFakeJenkins({ password });
    try {
      fake.setCrumbMode('required');
      fake.defineJob('svc/deploy', { parameters: ['REQUEST_ID'], durationMs: 30 });
      const denied = await fetch(`${fake.url}/job/svc/job/deploy/buildWithParameters`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${fake.user}:${password}`).toString('base64')}` },
      });
      expect(denied.status).toBe(403);
      expect(await denied.text()).toContain('No valid crumb');

      const jenkins = activities(fake, { token: password });
      const input = triggerInput('svc/deploy');
      const { buildNumber } = await run(jenkins.jenkinsTrigger, input);
      expect(await run(jenkins.jenkinsAwaitBuild, { server: 'ci', job: input.job, buildNumber })).toMatchObject({
        result: 'SUCCESS',
      });
      fake.defineJob('svc/slow', { parameters: ['REQUEST_ID'], durationMs: 10_000 });
      const slow = triggerInput('svc/slow');
      const ref = { server: 'ci', job: slow.job, buildNumber: (await run(jenkins.jenkinsTrigger, slow)).buildNumber };
      await run(jenkins.jenkinsStop, ref); // POST stop goes through the crumb path too
      expect(await run(jenkins.jenkinsAwaitBuild, ref)).toMatchObject({ result: 'ABORTED' });
      expect(fake.triggers(input.job)).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('answers a restarting Jenkins with a retryable error; builds keep their numbers', async () => {
    const fake = await startFakeJenkins();
    try {
      fake.defineJob('svc/deploy', { parameters: ['REQUEST_ID'], durationMs: 20 });
      const jenkins = activities(fake);
      const before = await run(jenkins.jenkinsTrigger, triggerInput('svc/deploy'));
      fake.restart(300);
      const err = await rejection(run(jenkins.jenkinsTrigger, triggerInput('svc/deploy')));
      expect(err).not.toBeInstanceOf(ApplicationFailure);
      expect(err.message).toMatch(/503.*restarting/);
      await new Promise((r) => setTimeout(r, 350));
      await createJenkinsPing({ ci: { url: fake.url, user: fake.user, token: fake.token } })('ci');
      expect((await rawFetch(fake, `/queue/item/${before.queueId}/api/json`)).status).toBe(404);
      const after = await run(jenkins.jenkinsTrigger, triggerInput('svc/deploy'));
      expect(after.buildNumber).toBe(before.buildNumber + 1);
    } finally {
      await fake.close();
    }
  });
});

describe('fake Jenkins notification plugin', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ path: string; contentType: string | undefined; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('posts QUEUED, STARTED, COMPLETED, FINALIZED with the plugin JSON', async () => {
    const fake = await startFakeJenkins();
    try {
      fake.defineJob('release/notify me', {
        parameters: ['VERSION', 'REQUEST_ID'],
        durationMs: 40,
        notify: { url: `${receiverUrl}/hooks/a` },
      });
      const jenkins = activities(fake);
      const input = triggerInput('release/notify me', { VERSION: '2.0.0' });
      const { buildNumber, queueId } = await run(jenkins.jenkinsTrigger, input);
      await run(jenkins.jenkinsAwaitBuild, { server: 'ci', job: input.job, buildNumber });
      await until(() => received.filter((r) => r.path === '/hooks/a').length >= 4);
      const events = received.filter((r) => r.path === '/hooks/a');
      expect(events.map((e) => (e.body.build as { phase: string }).phase)).toEqual([
        'QUEUED',
        'STARTED',
        'COMPLETED',
        'FINALIZED',
      ]);
      for (const e of events) {
        expect(e.contentType).toBe('application/json;charset=UTF-8');
        const build = e.body.build as Record<string, unknown>;
        expect(e.body).toMatchObject({
          name: 'notify me',
          display_name: 'notify me',
          url: 'job/release/job/notify%20me/',
        });
        expect(build).toMatchObject({
          full_url: `${fake.url}/job/release/job/notify%20me/${buildNumber}/`,
          number: buildNumber,
          queue_id: queueId,
          url: `job/release/job/notify%20me/${buildNumber}/`,
          parameters: { VERSION: '2.0.0', REQUEST_ID: input.correlation.value },
          log: '',
          artifacts: {},
        });
        expect(typeof build.timestamp).toBe('number');
        const done = build.phase === 'COMPLETED' || build.phase === 'FINALIZED';
        expect(build.status).toBe(done ? 'SUCCESS' : undefined);
        expect('status' in build).toBe(done);
      }
    } finally {
      await fake.close();
    }
  });

  it('honours the events filter, duplicates and drops', async () => {
    const fake = await startFakeJenkins();
    try {
      fake.defineJob('dup', {
        parameters: ['REQUEST_ID'],
        durationMs: 20,
        notify: { url: `${receiverUrl}/dup`, events: ['STARTED', 'FINALIZED'], duplicate: true, delayMs: 5 },
      });
      fake.defineJob('drop', {
        parameters: ['REQUEST_ID'],
        durationMs: 20,
        notify: { url: `${receiverUrl}/drop`, drop: true },
      });
      const jenkins = activities(fake);
      for (const job of ['dup', 'drop']) {
        const input = triggerInput(job);
        const { buildNumber } = await run(jenkins.jenkinsTrigger, input);
        await run(jenkins.jenkinsAwaitBuild, { server: 'ci', job, buildNumber });
      }
      await until(() => received.filter((r) => r.path === '/dup').length >= 4);
      await new Promise((r) => setTimeout(r, 50));
      expect(received.filter((r) => r.path === '/dup').map((e) => (e.body.build as { phase: string }).phase)).toEqual([
        'STARTED',
        'STARTED',
        'FINALIZED',
        'FINALIZED',
      ]);
      expect(received.filter((r) => r.path === '/drop')).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
