// The readiness check's Jenkins ping over real HTTP against the loopback fake (test/fakes/jenkins).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJenkins, type FakeJenkins } from '../test/fakes/jenkins.js';
import { createJenkinsPing, jenkinsServers, type JenkinsServerConfig } from './jenkins.js';
import { parseConfig } from './config-loader.js';

let fake: FakeJenkins;
/** A port nothing listens on. */
let closedPort: number;
beforeAll(async () => {
  fake = await startFakeJenkins();
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => fake.close());

const ping = (server: Partial<JenkinsServerConfig> = {}, requestTimeoutMs = 2_000) =>
  createJenkinsPing(
    { ci: { url: fake.url, user: fake.user, token: fake.token, ...server } },
    { requestTimeoutMs },
  )('ci');

async function problem(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('createJenkinsPing', () => {
  it('resolves when Jenkins answers its API root with the configured credentials', async () => {
    await expect(ping()).resolves.toBeUndefined();
  });

  it.each<{ name: string; server: () => Partial<JenkinsServerConfig>; want: RegExp }>([
    {
      name: 'a wrong API token',
      server: () => ({ token: 'bad-token-0123456789' }),
      want: /^Jenkins "ci": ping answered HTTP 401 \(invalid user or API token\)$/,
    },
    {
      name: 'credentials in the url',
      server: () => ({ url: 'http://u:p@127.0.0.1:8080' }),
      want: /^Jenkins server "ci": put credentials in user\/token, not in the url$/,
    },
    { name: 'an invalid url', server: () => ({ url: 'not a url' }), want: /^Jenkins server "ci" has an invalid url$/ },
    {
      name: 'nothing listening',
      server: () => ({ url: `http://127.0.0.1:${closedPort}` }),
      want: /^Jenkins "ci": ping \(GET \/api\/json\) failed: ECONNREFUSED$/,
    },
  ])('reports $name without echoing secrets', async ({ server, want }) => {
    const message = await problem(ping(server()));
    expect(message).toMatch(want);
    expect(message).not.toContain('bad-token-0123456789');
  });

  it('names an unknown server', async () => {
    expect(await problem(createJenkinsPing({})('ci'))).toBe('unknown Jenkins server "ci"');
  });

  it('reports a restarting Jenkins', async () => {
    fake.restart(200);
    expect(await problem(ping())).toMatch(/ping answered HTTP 503 \(Jenkins is restarting\)/);
    await new Promise((r) => setTimeout(r, 250));
    await ping();
  });

  it('gives up after its request timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      expect(await problem(ping({ url }, 100))).toBe(
        'Jenkins "ci": ping (GET /api/json) failed: timed out after 100 ms',
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('jenkinsServers', () => {
  it('takes each API token from the variable the configuration names', () => {
    const config = parseConfig(
      'services: {}\njenkins: { ci: { url: "http://jenkins:8080", user: bot, tokenEnv: CI_TOKEN }, anon: { url: "http://other" } }\n',
      'jenkins-test.yml',
    );
    expect(jenkinsServers(config, { CI_TOKEN: 'secret' })).toEqual({
      ci: { url: 'http://jenkins:8080', user: 'bot', token: 'secret' },
      anon: { url: 'http://other', user: undefined, token: undefined },
    });
  });
});
